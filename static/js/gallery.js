// The gallery page, live: new images appear at the top, deleted ones vanish,
// the count stays right, and whatever events cannot tell (a gap to fill, a
// later page that shifted, events missed while offline) is fetched again.
// New images are hard to miss: a highlight on new tiles, a pill ("3 new
// images — show") when they land out of view or on another page, and the
// count of unseen ones in the tab's title.
import { connectLive } from "./live.js";

const grid = document.getElementById("gallery");
const status = document.getElementById("live-status");
const counter = document.getElementById("image-count");
const emptyState = document.getElementById("empty-state");
const onFirstPage = grid.dataset.firstPage === "true";
const pageSize = Number(grid.dataset.pageSize);
// The page the server rendered, not the query's: ?page=999 shows the last one.
const pageNumber = Number(grid.dataset.page);
// The search this page shows (?q=): live images that do not match stay out.
const query = grid.dataset.query ?? "";
const pill = document.getElementById("new-pill");
const titleWithoutCount = document.title;
const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
// How long a new tile stays highlighted once seen.
const HIGHLIGHT_MS = 3000;

// English fallbacks for the translations the template gives as data-label-<state>.
const STATE_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline, retrying…",
};
// Re-syncs wait a random moment up to this, so that a thousand open pages
// do not all ask the server at once after an event or a server restart.
const RESYNC_SPREAD_MS = 1500;
const RESYNC_TRIES = 3;

// Digits only, in case the server formats the number for the reader's language.
let count = Number(counter.textContent.replace(/\D/g, ""));
let eventsSeen = 0;
let resyncTimer = null;

function setState(state) {
  // Unchanged text is not set again, so screen readers are not re-told.
  if (status.dataset.state === state) return;
  status.dataset.state = state;
  const key = `label${state[0].toUpperCase()}${state.slice(1)}`;
  status.textContent = status.dataset[key] ?? STATE_TEXT[state];
}

function setCount(value) {
  count = Math.max(0, value);
  counter.textContent = String(count);
  emptyState.hidden = count > 0;
}

// A tile for a live image: a clone of the server's own tile markup
// (templates/images/_tile.html, rendered for a stand-in with id 0 into
// <template id="tile-template">), filled in with this image.
const tileTemplate = document.getElementById("tile-template");
const STAND_IN_PATH = "/image/0/";

function tile(image) {
  const item = tileTemplate.content.firstElementChild.cloneNode(true);
  item.dataset.imageId = String(image.id);
  item.querySelector("a").href = image.page_url;
  const preview = item.querySelector("img.preview");
  if (image.thumbnail_url === image.url) {
    // No previews could be made: the original, without srcset.
    preview.removeAttribute("srcset");
    preview.removeAttribute("sizes");
  } else {
    preview.srcset = preview.getAttribute("srcset").replaceAll(STAND_IN_PATH, `/image/${image.id}/`);
  }
  preview.src = image.thumbnail_url;
  const still = item.querySelector("picture source");
  if (image.animated_thumbnail_url) {
    // An animation: it plays, unless the visitor prefers reduced motion.
    still.srcset = preview.srcset;
    preview.removeAttribute("srcset");
    preview.src = image.animated_thumbnail_url;
  } else still.remove();
  preview.width = image.width;
  preview.height = image.height;
  const placeholder = item.querySelector("img.placeholder");
  if (image.placeholder) placeholder.src = image.placeholder;
  else placeholder.remove();
  const caption = item.querySelector(".caption");
  caption.textContent = image.name;
  caption.title = image.name; // the whole name, however the caption is clamped
  watchPreview(item);
  return item;
}

// Once a tile's preview is on screen its placeholder steps aside (CSS: a
// loaded picture hides it; without this script the preview simply covers it).
function watchPreview(item) {
  const preview = item.querySelector("img.preview");
  const shown = () => item.querySelector(".picture").classList.add("loaded");
  if (preview.complete && preview.naturalWidth > 0) shown();
  else preview.addEventListener("load", shown, { once: true });
}

function findTile(id) {
  return grid.querySelector(`[data-image-id="${CSS.escape(String(id))}"]`);
}

function removeTile(item) {
  if (item.contains(document.activeElement)) {
    // Keyboard users keep their place instead of being thrown to the top.
    const neighbour = item.nextElementSibling ?? item.previousElementSibling;
    neighbour?.querySelector("a")?.focus();
  }
  item.remove();
  const entry = unseen.get(item.dataset.imageId);
  if (entry) {
    watcher.unobserve(item);
    entry.item = null; // no longer on this page
    updateNotice();
  }
}

// Case-insensitive substring, as the server searches (images.models.named_like).
function matchesQuery(name) {
  return !query || String(name).toLowerCase().includes(query.toLowerCase());
}

function applyEvent(event) {
  eventsSeen += 1;
  if (event.type === "image.created" && event.image) {
    if (findTile(event.image.id)) return;
    const matches = matchesQuery(event.image.name);
    if (matches) setCount(count + 1);
    if (!onFirstPage || !matches) {
      // On another page: page 1 (a later page shifted one place older), or
      // the whole gallery when it does not match this search.
      noteUnseen(event.image.id, { item: null, matches });
      if (matches) resyncSoon();
      return;
    }
    const item = tile(event.image);
    grid.prepend(item);
    noteUnseen(event.image.id, { item, matches });
    while (grid.children.length > pageSize) {
      const last = grid.lastElementChild;
      last.remove();
      const entry = unseen.get(last.dataset.imageId);
      if (entry) {
        watcher.unobserve(last);
        entry.item = null; // pushed onto page 2
      }
    }
    updateNotice();
  } else if (event.type === "image.deleted") {
    const item = findTile(event.id);
    if (item) removeTile(item);
    forgetUnseen(event.id);
    if (query && !item) {
      resyncSoon(); // whether it matched this search, only the server knows
      return;
    }
    setCount(count - 1);
    // A later page shifted, or this one has a gap an older image should fill.
    if (!onFirstPage || grid.children.length < Math.min(pageSize, count)) resyncSoon();
  }
}

// New images not seen yet, by id: `item` is the tile on this page (null when
// the image is on another page) and `inView` whether it is on screen now.
const unseen = new Map();
const watcher = new IntersectionObserver((entries) => {
  for (const seen of entries) {
    const entry = unseen.get(seen.target.dataset.imageId);
    if (entry) entry.inView = seen.isIntersecting;
  }
  markSeen();
}, { threshold: 0.5 });

function noteUnseen(id, { item, matches }) {
  const key = String(id);
  unseen.set(key, { item, matches, inView: item !== null && onScreen(item) });
  if (item) {
    item.classList.add("arrived");
    watcher.observe(item);
  }
  updateNotice();
}

function forgetUnseen(id) {
  const entry = unseen.get(String(id));
  if (!entry) return;
  if (entry.item) watcher.unobserve(entry.item);
  unseen.delete(String(id));
  updateNotice();
}

// A tile on screen while the page is visible has been seen: its highlight
// fades a moment later and it leaves the counts.
function markSeen() {
  if (document.visibilityState !== "visible") {
    updateNotice();
    return;
  }
  for (const [id, entry] of unseen) {
    if (!entry.item || !(entry.inView || onScreen(entry.item))) continue;
    const { item } = entry;
    watcher.unobserve(item);
    unseen.delete(id);
    window.setTimeout(() => item.classList.remove("arrived"), HIGHLIGHT_MS);
  }
  updateNotice();
}

function onScreen(item) {
  if (!item.isConnected) return false;
  const box = item.getBoundingClientRect();
  return box.bottom > 0 && box.top < window.innerHeight && box.height > 0;
}

// The pill counts the new images out of view (above, when scrolled down) or
// on another page; the title counts every unseen one.
function updateNotice() {
  const away = [...unseen.values()].filter((entry) => !entry.item || !entry.inView);
  document.title = unseen.size > 0 ? `(${unseen.size}) ${titleWithoutCount}` : titleWithoutCount;
  pill.hidden = away.length === 0;
  if (pill.hidden) return;
  pill.textContent = pluralText(away.length);
  const elsewhere = away.some((entry) => !entry.matches);
  pill.href = elsewhere ? pill.dataset.allUrl : pillHref;
  pill.dataset.scroll = String(away.every((entry) => entry.item));
}

const pillHref = pill.getAttribute("href");
const plurals = new Intl.PluralRules(document.documentElement.lang || undefined);
const numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);

// The template gives the translation for a few sample counts
// (data-text-<count>, Django's ngettext); the one whose plural category
// matches this count's is used: Russian has three, English two.
function pluralText(n) {
  const category = plurals.select(n);
  let text = null;
  for (const [key, value] of Object.entries(pill.dataset)) {
    const sample = /^text-(\d+)$/.exec(key);
    if (sample && plurals.select(Number(sample[1])) === category) {
      text = value;
      break;
    }
  }
  return (text ?? "%(count)s new images — show").replace("%(count)s", numbers.format(n));
}

pill.addEventListener("click", (click) => {
  if (pill.dataset.scroll !== "true") return; // another page: follow the link
  click.preventDefault();
  const first = [...unseen.values()].find((entry) => entry.item)?.item ?? grid.firstElementChild;
  first?.scrollIntoView({ behavior: reducedMotion.matches ? "auto" : "smooth", block: "center" });
  first?.querySelector("a")?.focus({ preventScroll: true });
});

document.addEventListener("visibilitychange", markSeen);

function resyncSoon(tries = RESYNC_TRIES) {
  if (resyncTimer !== null) return;
  resyncTimer = window.setTimeout(() => {
    resyncTimer = null;
    resync(tries).catch(() => {}); // offline: the next reconnect tries again
  }, Math.random() * RESYNC_SPREAD_MS);
}

// The page as the server sees it now, through the same JSON the API serves.
async function resync(tries) {
  if (!(pageNumber > 0)) return;
  const seen = eventsSeen;
  const parameters = new URLSearchParams({ page: String(pageNumber), page_size: String(pageSize) });
  if (query) parameters.set("q", query);
  const response = await fetch(`/api/images/?${parameters}`, {
    headers: { Accept: "application/json" },
    cache: "no-store",
  });
  if (response.status === 404) {
    grid.replaceChildren(); // deletions left this page past the last one: nothing is on it
    return;
  }
  if (!response.ok) return;
  const data = await response.json();
  // An event that arrived while the request was out may be missing from this
  // answer: ask again rather than undo it (a few times, then take the answer).
  if (eventsSeen !== seen && tries > 1) {
    resyncSoon(tries - 1);
    return;
  }
  showOnly(data.results);
  setCount(data.count);
}

// Make the grid show exactly `images`, in order, touching as little as it can:
// tiles already shown stay where they are (no image flashes or reloads, and a
// focused tile keeps keyboard focus); missing ones are inserted in place.
function showOnly(images) {
  const wanted = new Set(images.map((image) => String(image.id)));
  for (const item of [...grid.children]) {
    if (!wanted.has(item.dataset.imageId)) removeTile(item);
  }
  let next = grid.firstElementChild;
  for (const image of images) {
    const shown = findTile(image.id);
    if (shown !== null && shown === next) {
      next = next.nextElementSibling;
    } else {
      grid.insertBefore(shown ?? tile(image), next);
    }
  }
}

for (const item of grid.children) watchPreview(item);

connectLive(grid.dataset.socket, {
  onEvent: applyEvent,
  onState: setState,
  onOpen: () => resyncSoon(),
});
