// The image page's viewer: the photo over the whole window (a modal <dialog>).
// Click the photo or press F to open it, Esc (or F, or Close) to close it;
// ← / → and a swipe go to the newer / older image's page, which opens in the
// viewer again while it is open (the #viewer address); "Actual size" shows a
// photo larger than the window pixel for pixel. Without this script the photo
// is a link to the full-size bytes and the page's Newer/Older links remain.
// Shortcuts never fire while a field has the keyboard, or with Ctrl/Alt/⌘.

const HASH = "#viewer";
const SWIPE_DISTANCE = 60; // CSS pixels, and mostly sideways

const dialog = document.getElementById("viewer");
const stage = document.getElementById("viewer-stage");
const big = document.getElementById("viewer-image");
const zoomButton = document.getElementById("viewer-zoom");
const photoLink = document.getElementById("full-size");
const openButton = document.getElementById("open-viewer");
const neighbours = {
  newer: document.getElementById("newer")?.href,
  older: document.getElementById("older")?.href,
};
let addedHistoryEntry = false;

function open({ remember = true } = {}) {
  if (dialog.open) return;
  if (!big.getAttribute("src")) big.src = photoLink.href;
  dialog.showModal();
  if (remember && location.hash !== HASH) {
    // Back (a phone's back gesture too) closes the viewer instead of leaving.
    history.pushState(null, "", HASH);
    addedHistoryEntry = true;
  }
  updateZoomable();
}

function close() {
  if (dialog.open) dialog.close();
}

dialog.addEventListener("close", () => {
  setZoom(false);
  if (location.hash === HASH) {
    if (addedHistoryEntry) history.back();
    else history.replaceState(null, "", location.pathname + location.search);
  }
  addedHistoryEntry = false;
});

window.addEventListener("popstate", () => {
  if (location.hash === HASH) open({ remember: false });
  else {
    addedHistoryEntry = false;
    close();
  }
});

function go(direction) {
  const address = neighbours[direction];
  if (!address) return;
  location.assign(dialog.open ? address + HASH : address);
}

// Actual size: only for a photo larger than the window, which it then
// scrolls in; the point clicked stays under the pointer.
function updateZoomable() {
  const larger =
    big.naturalWidth > stage.clientWidth || big.naturalHeight > stage.clientHeight;
  zoomButton.hidden = !larger && !dialog.classList.contains("zoomed");
  dialog.classList.toggle("zoomable", larger);
}

function setZoom(on, point) {
  const before = big.getBoundingClientRect();
  dialog.classList.toggle("zoomed", on);
  zoomButton.setAttribute("aria-pressed", String(on));
  if (!on) {
    updateZoomable();
    return;
  }
  const where = point ?? {
    x: before.left + before.width / 2,
    y: before.top + before.height / 2,
  };
  const fractionX = (where.x - before.left) / before.width;
  const fractionY = (where.y - before.top) / before.height;
  const box = stage.getBoundingClientRect();
  stage.scrollLeft = big.offsetLeft + fractionX * big.offsetWidth - (where.x - box.left);
  stage.scrollTop = big.offsetTop + fractionY * big.offsetHeight - (where.y - box.top);
}

function toggleZoom(point) {
  if (dialog.classList.contains("zoomable") || dialog.classList.contains("zoomed")) {
    setZoom(!dialog.classList.contains("zoomed"), point);
  }
}

zoomButton.addEventListener("click", () => toggleZoom());
big.addEventListener("load", updateZoomable);
window.addEventListener("resize", () => dialog.open && updateZoomable());
document.getElementById("viewer-close").addEventListener("click", close);

stage.addEventListener("click", (event) => {
  if (event.target === big) toggleZoom({ x: event.clientX, y: event.clientY });
  else if (!dialog.classList.contains("zoomed")) close(); // the dark space around it
});

photoLink.addEventListener("click", (event) => {
  // Ctrl/⌘-click and the like still open the bytes in a new tab.
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
    return;
  }
  event.preventDefault();
  open();
});
openButton.addEventListener("click", () => open());
openButton.hidden = false;

function isTyping(target) {
  return target instanceof Element &&
    (target.isContentEditable || target.closest("input, textarea, select") !== null);
}

document.addEventListener("keydown", (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
  if (isTyping(event.target)) return;
  const zoomed = dialog.classList.contains("zoomed");
  if (event.key === "f" || event.key === "F") {
    if (dialog.open) close();
    else open();
  } else if (event.key === "ArrowLeft" && !zoomed) {
    go("newer"); // a zoomed photo scrolls with the arrows instead
  } else if (event.key === "ArrowRight" && !zoomed) {
    go("older");
  } else {
    return;
  }
  event.preventDefault();
});

// A sideways swipe (touch or pen) on the photo, on the page or in the viewer
// while it fits the window, goes to the neighbour on that side.
function followSwipes(element, allowed) {
  let start = null;
  element.addEventListener("pointerdown", (event) => {
    start = event.pointerType !== "mouse" && event.isPrimary && allowed()
      ? { x: event.clientX, y: event.clientY, id: event.pointerId }
      : null;
  });
  element.addEventListener("pointerup", (event) => {
    if (start === null || event.pointerId !== start.id) return;
    const dx = event.clientX - start.x;
    const dy = event.clientY - start.y;
    start = null;
    if (Math.abs(dx) >= SWIPE_DISTANCE && Math.abs(dx) > 2 * Math.abs(dy)) {
      go(dx < 0 ? "older" : "newer"); // the next photo comes in from the right
    }
  });
  element.addEventListener("pointercancel", () => {
    start = null;
  });
}

followSwipes(photoLink, () => true);
followSwipes(stage, () => !dialog.classList.contains("zoomed"));

for (const [direction, key] of [["newer", "ArrowLeft"], ["older", "ArrowRight"]]) {
  document.getElementById(direction)?.setAttribute("aria-keyshortcuts", key);
}

if (location.hash === HASH) open({ remember: false });
