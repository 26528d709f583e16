// The gallery page, live: new images appear at the top, deleted ones vanish,
// the count stays right, and after a reconnect the page re-syncs itself.
import { connectLive } from "./live.js";

const grid = document.getElementById("gallery");
const status = document.getElementById("live-status");
const counter = document.getElementById("image-count");
const emptyState = document.getElementById("empty-state");
const onFirstPage = grid.dataset.firstPage === "true";
const pageSize = Number(grid.dataset.pageSize);

const STATE_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

function setState(state) {
  status.dataset.state = state;
  status.textContent = STATE_TEXT[state];
}

function setCount(count) {
  counter.textContent = String(count);
  emptyState.hidden = count > 0;
}

function tile(image) {
  const item = document.createElement("li");
  item.className = "tile";
  item.dataset.imageId = String(image.id);
  const link = document.createElement("a");
  link.href = image.page_url;
  const img = document.createElement("img");
  img.src = image.url;
  img.alt = image.name;
  img.width = image.width;
  img.height = image.height;
  img.loading = "lazy";
  img.decoding = "async";
  const caption = document.createElement("span");
  caption.className = "caption";
  caption.textContent = image.name;
  link.append(img, caption);
  item.append(link);
  return item;
}

function findTile(id) {
  return grid.querySelector(`[data-image-id="${CSS.escape(String(id))}"]`);
}

function applyEvent(event) {
  if (event.type === "image.created" && event.image) {
    if (findTile(event.image.id)) return;
    setCount(Number(counter.textContent) + 1);
    if (!onFirstPage) return;
    grid.prepend(tile(event.image));
    while (grid.children.length > pageSize) grid.lastElementChild.remove();
  } else if (event.type === "image.deleted") {
    setCount(Math.max(0, Number(counter.textContent) - 1));
    findTile(event.id)?.remove();
  }
}

async function resync() {
  // The page as the server sees it now, through the same JSON the API serves.
  const page = new URLSearchParams(window.location.search).get("page") || "1";
  const response = await fetch(`/api/images/?page=${encodeURIComponent(page)}&page_size=${pageSize}`, {
    headers: { Accept: "application/json" },
  });
  if (!response.ok) return;
  const data = await response.json();
  grid.replaceChildren(...data.results.slice(0, pageSize).map(tile));
  setCount(data.count);
}

connectLive(grid.dataset.socket, {
  onEvent: applyEvent,
  onState: setState,
  onReconnect: () => resync().catch(() => {}),
});
