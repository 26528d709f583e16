// The gallery page, live: new images appear at the top, deleted ones vanish,
// the count stays right, and whatever events cannot tell (a gap to fill, a
// later page that shifted, events missed while offline) is fetched again.
import { connectLive } from "./live.js";

const grid = document.getElementById("gallery");
const status = document.getElementById("live-status");
const counter = document.getElementById("image-count");
const emptyState = document.getElementById("empty-state");
const onFirstPage = grid.dataset.firstPage === "true";
const pageSize = Number(grid.dataset.pageSize);
// The page the server rendered, not the query's: ?page=999 shows the last one.
const pageNumber = Number(grid.dataset.page);

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
  preview.width = image.width;
  preview.height = image.height;
  const placeholder = item.querySelector("img.placeholder");
  if (image.placeholder) placeholder.src = image.placeholder;
  else placeholder.remove();
  item.querySelector(".caption").textContent = image.name;
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
}

function applyEvent(event) {
  eventsSeen += 1;
  if (event.type === "image.created" && event.image) {
    if (findTile(event.image.id)) return;
    setCount(count + 1);
    if (!onFirstPage) {
      resyncSoon(); // every image on a later page moved one place older
      return;
    }
    grid.prepend(tile(event.image));
    while (grid.children.length > pageSize) grid.lastElementChild.remove();
  } else if (event.type === "image.deleted") {
    const item = findTile(event.id);
    if (item) removeTile(item);
    setCount(count - 1);
    // A later page shifted, or this one has a gap an older image should fill.
    if (!onFirstPage || grid.children.length < Math.min(pageSize, count)) resyncSoon();
  }
}

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
  const query = new URLSearchParams({ page: String(pageNumber), page_size: String(pageSize) });
  const response = await fetch(`/api/images/?${query}`, {
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
