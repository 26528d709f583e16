// The Upload page, enhanced: drop files anywhere on the page, paste an image,
// or choose many; each file goes up on its own as a resumable upload (tus, to
// /api/uploads/, through the vendored tus-js-client) in chunks of the server's
// UPLOAD_CHUNK_SIZE. Each shows its progress, can be paused, resumed and
// cancelled, goes on where the server's bytes end after the connection drops
// (by itself once the browser is back online), and ends with its own link or
// message, and a finished one with the links to share and keep (the delete
// link, from the last chunk's Image-Delete-Token) and, when the same bytes
// were already in the gallery, a button that removes the new copy. Files go
// up as soon as they are chosen, dropped or pasted. A file begun before the
// page was reloaded goes on where it stopped.
// Without this script the form still posts every file at once.
// Texts come translated from the template's data-text-* attributes.
import { receiveFiles } from "./receive-files.js";

const form = document.getElementById("upload-form");
const fileInput = form.querySelector('input[type="file"]');
const nameInput = form.querySelector('input[name="name"]');
const expiryChoice = form.querySelector('select[name="expires_in"]');
const csrfToken = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
const dropzone = document.getElementById("dropzone");
const section = document.getElementById("uploads");
const queue = document.getElementById("upload-queue");
const announcer = document.getElementById("upload-announcer");
const itemTemplate = document.getElementById("upload-item");
const keepTemplate = document.getElementById("keep-template");
const nameNote = document.getElementById("name-note");
const text = section.dataset;
const maxSize = Number(text.maxSize);
const chunkSize = Number(text.chunkSize);
const endpoint = new URL(text.endpoint, window.location.href).href;

// A hundred dropped files should not open a hundred connections at once.
const PARALLEL = 3;
// A failed request is tried again after these pauses (ms) while the browser
// is online; offline, the upload waits for the connection to come back.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000];
const waiting = [];
let running = 0;
let created = 0;
// The first upload may start the session that records this browser as the
// uploader (so the Delete page offers its images); uploads begun side by side
// before that would each start a session of their own, and only one is kept.
let sessionStarted = false;

function upload(file, name, expiresIn = expiryChoice.value) {
  const item = itemTemplate.content.firstElementChild.cloneNode(true);
  const label = item.querySelector(".upload-name");
  label.id = `upload-${(created += 1)}`;
  label.textContent = file.name;
  item.querySelector("progress").setAttribute("aria-labelledby", label.id);
  const task = { file, name, expiresIn, item, upload: null, active: false, over: false };
  for (const button of item.querySelectorAll("button")) {
    button.setAttribute("aria-describedby", label.id);
  }
  item.querySelector(".upload-cancel").addEventListener("click", () => cancel(task));
  item.querySelector(".upload-pause").addEventListener("click", () => {
    if (task.active) pause(task);
    else resume(task);
  });
  queue.append(item);
  section.hidden = false;

  if (file.size > maxSize) {
    finish(task, "failed", text.textTooLarge);
    return;
  }
  enqueue(task);
}

function enqueue(task, first = false) {
  show(task, "waiting", text.textWaiting);
  pauseButton(task).hidden = true;
  if (first) waiting.unshift(task);
  else waiting.push(task);
  pump();
}

function pump() {
  const limit = sessionStarted ? PARALLEL : 1;
  while (running < limit && waiting.length > 0) start(waiting.shift());
}

function start(task) {
  running += 1;
  task.active = true;
  show(task, "uploading", text.textUploading);
  pauseButton(task, text.textPause).hidden = false;
  if (task.upload) {
    task.upload.start(); // asks the server where its bytes end, and goes on from there
    return;
  }
  const progress = task.item.querySelector("progress");
  task.upload = new window.tus.Upload(task.file, {
    endpoint,
    chunkSize,
    retryDelays: RETRY_DELAYS,
    metadata: {
      filename: task.name || task.file.name,
      ...(task.expiresIn ? { expires_in: task.expiresIn } : {}),
    },
    // The page's token: the session that uploads is recorded as the uploader.
    headers: { "X-CSRFToken": csrfToken },
    removeFingerprintOnSuccess: true,
    onShouldRetry: (error) => navigator.onLine && retryable(error),
    onUploadUrlAvailable: () => {
      if (!sessionStarted) {
        sessionStarted = true;
        pump();
      }
    },
    onProgress: (sent, total) => {
      progress.value = Math.floor((sent / total) * 100);
    },
    onSuccess: ({ lastResponse }) => showImage(task, lastResponse),
    onError: (error) => failed(task, error),
  });
  task.upload.findPreviousUploads().then((previous) => {
    // The same file, begun before this page was loaded: go on with it.
    if (previous.length > 0) task.upload.resumeFromPreviousUpload(previous[0]);
    if (task.active) task.upload.start();
  });
}

function retryable(error) {
  // No answer at all, the server's trouble, or a conflict that asking the
  // server for its offset resolves (409, 423); never a refusal of the file.
  const status = error.originalResponse?.getStatus() ?? 0;
  return status === 0 || status >= 500 || status === 409 || status === 423;
}

function release(task) {
  if (!task.active) return;
  task.active = false;
  running -= 1;
  pump();
}

function pause(task) {
  release(task);
  task.upload.abort();
  show(task, "paused", text.textPaused);
  pauseButton(task, text.textResume);
}

function resume(task) {
  if (task.over || task.active || waiting.includes(task)) return;
  enqueue(task, true);
}

function cancel(task) {
  const index = waiting.indexOf(task);
  if (index >= 0) waiting.splice(index, 1);
  release(task);
  // Terminates the upload on the server (DELETE), if it began there.
  task.upload?.abort(true).catch(() => {}); // else it expires there by itself
  finish(task, "cancelled", text.textCancelled);
}

function failed(task, error) {
  release(task);
  const response = error.originalResponse;
  if (!response) {
    // No answer: the connection failed. The server keeps what it has.
    if (navigator.onLine) {
      show(task, "paused", text.textNetwork);
      pauseButton(task, text.textResume);
    } else {
      show(task, "offline", text.textOffline);
      pauseButton(task, text.textResume);
      window.addEventListener("online", () => resume(task), { once: true });
    }
    return;
  }
  let message = null;
  try {
    message = JSON.parse(response.getBody())?.error?.message;
  } catch {
    // not JSON: the status says it
  }
  finish(task, "failed", message || text.textFailed.replace("{status}", String(response.getStatus())));
}

async function readImage(address) {
  const answer = await fetch(address, { headers: { Accept: "application/json" } });
  if (!answer.ok) throw new Error(String(answer.status));
  return answer.json();
}

async function showImage(task, response) {
  release(task);
  const address = response.getHeader("Image-Url");
  // Shown to this page only: the answer to its own last chunk.
  const token = response.getHeader("Image-Delete-Token");
  const duplicates = (response.getHeader("Image-Duplicates") ?? "").split(",").filter((id) => id.trim());
  let image;
  try {
    image = await readImage(address);
  } catch {
    finish(task, "failed", text.textFailed.replace("{status}", "404"));
    return;
  }
  succeed(task, image);
  const others = await Promise.all(
    duplicates.map((id) => readImage(new URL(`${id.trim()}/`, new URL("..", address))).catch(() => null)),
  );
  keep(task, image, address, token, others.filter(Boolean));
}

// The same strings as images/sharing.py makes for the form's page and the API.
function escapeHtml(value) {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" })[c]);
}

function snippets(image) {
  const alt = image.name.replace(/[\\[\]]/g, (c) => `\\${c}`);
  return {
    markdown: `[![${alt}](${image.url})](${image.page_url})`,
    html: `<a href="${escapeHtml(image.page_url)}"><img src="${escapeHtml(image.url)}" alt="${escapeHtml(image.name)}"></a>`,
    bbcode: `[url=${image.page_url}][img]${image.url}[/img][/url]`,
  };
}

let kept = 0;

function keep(task, image, address, token, others) {
  const block = keepTemplate.content.firstElementChild.cloneNode(true);
  const prefix = `keep-${(kept += 1)}`;
  for (const element of block.querySelectorAll("[id], [for], [data-copy], [aria-describedby]")) {
    for (const attribute of ["id", "for", "data-copy", "aria-describedby"]) {
      const value = element.getAttribute(attribute);
      if (value?.startsWith("keep-0")) element.setAttribute(attribute, value.replace("keep-0", prefix));
    }
  }
  block.id = prefix;
  const values = { ...image, ...snippets(image), delete_url: new URL(`/delete/${image.id}/${token}/`, address).href };
  for (const field of block.querySelectorAll("input[data-field]")) field.value = values[field.dataset.field];
  for (const button of block.querySelectorAll("button[data-copy]")) button.hidden = false;
  if (!token) block.querySelector(".delete-row").remove();
  const duplicate = block.querySelector(".duplicate");
  if (others.length > 0) {
    const line = duplicate.querySelector(".duplicate-text");
    const template = line.querySelector("a");
    const links = others.map((other) => {
      const link = template.cloneNode();
      link.href = other.page_url;
      link.textContent = other.name;
      return link;
    });
    template.replaceWith(...links.flatMap((link, index) => (index === 0 ? [link] : [", ", link])));
    duplicate.hidden = false;
    const remove = duplicate.querySelector(".remove-copy");
    remove.setAttribute("aria-describedby", task.item.querySelector(".upload-name").id);
    if (token) remove.addEventListener("click", () => removeCopy(task, block, address, token, remove));
    else remove.remove();
  }
  task.item.append(block);
}

async function removeCopy(task, block, address, token, button) {
  button.disabled = true;
  let status = 0;
  try {
    const answer = await fetch(address, { method: "DELETE", headers: { Authorization: `Bearer ${token}` } });
    status = answer.status;
  } catch {
    // no answer: status 0
  }
  if (status === 204 || status === 404) {
    const message = button.dataset.textRemoved;
    block.querySelector(".links").remove();
    button.remove();
    const name = task.item.querySelector(".upload-name");
    name.textContent = name.textContent; // its page is gone: no link
    task.item.querySelector(".upload-preview").hidden = true;
    finish(task, "removed", message);
    return;
  }
  button.disabled = false;
  task.item.querySelector(".upload-outcome").textContent = button.dataset.textFailed.replace("{status}", String(status));
}

function succeed(task, image) {
  const link = document.createElement("a");
  link.href = image.page_url;
  link.textContent = image.name; // the stored name, e.g. "cat (2).png"
  task.item.querySelector(".upload-name").replaceChildren(link);
  task.item.querySelector("progress").value = 100;
  const preview = task.item.querySelector(".upload-preview");
  preview.src = image.thumbnail_url ?? image.url;
  preview.hidden = false;
  finish(task, "done", text.textDone);
}

function pauseButton(task, label) {
  const button = task.item.querySelector(".upload-pause");
  if (label) button.textContent = label;
  return button;
}

function show(task, state, message) {
  task.item.dataset.state = state;
  task.item.querySelector(".upload-outcome").textContent = message;
}

function finish(task, state, message) {
  task.over = true;
  show(task, state, message);
  for (const button of task.item.querySelectorAll("button")) button.remove();
  announcer.textContent = `${task.file.name}: ${message}`;
}

// The display name goes with a single file; with several it is kept for the
// next single file, and the note says why it was not used.
function uploadAll(files) {
  if (files.length === 0) return;
  const name = nameInput.value.trim();
  const first = queue.childElementCount;
  nameNote.hidden = !(name && files.length > 1);
  nameNote.textContent = nameNote.hidden ? "" : nameNote.dataset.text.replace("{name}", name);
  for (const file of files) upload(file, files.length === 1 ? name : "");
  if (files.length === 1) nameInput.value = "";
  // On a phone the list is below the form: bring the first new row into view.
  queue.children[first]?.scrollIntoView({ block: "nearest" });
}

function uploadChosen() {
  const files = [...fileInput.files];
  fileInput.value = ""; // the same files may be chosen again
  uploadAll(files);
}

fileInput.addEventListener("change", uploadChosen);
// Files chosen while the page was still loading, before this script ran.
if (fileInput.files.length) uploadChosen();
form.addEventListener("submit", (event) => {
  event.preventDefault();
  uploadChosen();
});
dropzone.addEventListener("click", () => fileInput.click());

receiveFiles(uploadAll);

// Leaving the page stops the uploads still on their way (they can go on
// where they stopped when the same files are chosen again).
window.addEventListener("beforeunload", (event) => {
  if (running > 0 || waiting.length > 0) event.preventDefault();
});

// Touch screens neither drag files nor paste them: the drop zone says "tap".
if (window.matchMedia("(hover: none) and (pointer: coarse)").matches) {
  dropzone.textContent = dropzone.dataset.textTouch;
}
dropzone.hidden = false;
document.getElementById("upload-button").hidden = true;
