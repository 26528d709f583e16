// The Upload page, enhanced: drop files anywhere on the page, paste an image,
// or choose many; each file goes up in a request of its own (XMLHttpRequest,
// for its progress), can be cancelled, and ends with its own link or message.
// Without this script the form still posts every file at once.
// Texts come translated from the template's data-text-* attributes.

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
const text = section.dataset;
const maxSize = Number(text.maxSize);
const endpoint = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);

// A hundred dropped files should not open a hundred connections at once.
const PARALLEL = 3;
const waiting = [];
let running = 0;
let created = 0;
// The first upload may start the session that records this browser as the
// uploader (so the Delete page offers its images); uploads sent side by side
// before that would each start a session of their own, and only one is kept.
let sessionStarted = false;

function upload(file, name, expiresIn = expiryChoice.value) {
  const item = itemTemplate.content.firstElementChild.cloneNode(true);
  const label = item.querySelector(".upload-name");
  label.id = `upload-${(created += 1)}`;
  label.textContent = file.name;
  item.querySelector("progress").setAttribute("aria-labelledby", label.id);
  const cancel = item.querySelector(".upload-cancel");
  cancel.setAttribute("aria-describedby", label.id);
  const task = { file, name, expiresIn, item, xhr: null };
  cancel.addEventListener("click", () => cancelTask(task));
  queue.append(item);
  section.hidden = false;

  if (file.size > maxSize) {
    finish(task, "failed", text.textTooLarge);
    return;
  }
  show(task, "waiting", text.textWaiting);
  waiting.push(task);
  pump();
}

function pump() {
  const limit = sessionStarted ? PARALLEL : 1;
  while (running < limit && waiting.length > 0) start(waiting.shift());
}

function start(task) {
  running += 1;
  const xhr = new XMLHttpRequest();
  task.xhr = xhr;
  const body = new FormData();
  body.append("file", task.file, task.file.name);
  if (task.name) body.append("name", task.name);
  if (task.expiresIn) body.append("expires_in", task.expiresIn);
  const progress = task.item.querySelector("progress");

  xhr.upload.addEventListener("progress", (event) => {
    if (event.lengthComputable) progress.value = Math.round((event.loaded / event.total) * 100);
  });
  xhr.addEventListener("load", () => {
    const image = xhr.response?.image;
    if (xhr.status === 201 && image) {
      succeed(task, image);
    } else {
      const message = xhr.response?.error?.message;
      finish(task, "failed", message || text.textFailed.replace("{status}", String(xhr.status)));
    }
  });
  xhr.addEventListener("error", () => finish(task, "failed", text.textNetwork));
  xhr.addEventListener("abort", () => finish(task, "cancelled", text.textCancelled));
  xhr.addEventListener("loadend", () => {
    running -= 1;
    if (xhr.status !== 0) sessionStarted = true;
    pump();
  });

  xhr.open("POST", endpoint);
  xhr.setRequestHeader("X-CSRFToken", csrfToken);
  // JSON rather than a page; the session records the upload as this browser's.
  xhr.setRequestHeader("Accept", "application/json");
  xhr.responseType = "json";
  show(task, "uploading", text.textUploading);
  xhr.send(body);
}

function cancelTask(task) {
  const index = waiting.indexOf(task);
  if (index >= 0) {
    waiting.splice(index, 1);
    finish(task, "cancelled", text.textCancelled);
  } else {
    task.xhr?.abort();
  }
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

function show(task, state, message) {
  task.item.dataset.state = state;
  task.item.querySelector(".upload-outcome").textContent = message;
}

function finish(task, state, message) {
  show(task, state, message);
  task.item.querySelector(".upload-cancel").remove();
  announcer.textContent = `${task.file.name}: ${message}`;
}

function uploadAll(files, name = "") {
  for (const file of files) upload(file, name);
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const files = [...fileInput.files];
  uploadAll(files, files.length === 1 ? nameInput.value.trim() : "");
  const expiry = expiryChoice.value; // the choice stays for the next files
  form.reset();
  expiryChoice.value = expiry;
});

function carriesFiles(event) {
  return Array.from(event.dataTransfer?.types ?? []).includes("Files");
}

document.addEventListener("dragover", (event) => {
  if (!carriesFiles(event)) return;
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
  document.body.classList.add("dragging");
});
document.addEventListener("dragleave", (event) => {
  if (event.relatedTarget === null) document.body.classList.remove("dragging");
});
document.addEventListener("drop", (event) => {
  document.body.classList.remove("dragging");
  if (!carriesFiles(event)) return;
  event.preventDefault();
  uploadAll(event.dataTransfer.files);
});
document.addEventListener("paste", (event) => {
  const files = Array.from(event.clipboardData?.files ?? []);
  if (files.length === 0) return; // text pasted into the name field stays text
  event.preventDefault();
  uploadAll(files);
});

// Leaving the page would cut the uploads still on their way.
window.addEventListener("beforeunload", (event) => {
  if (running > 0 || waiting.length > 0) event.preventDefault();
});

dropzone.hidden = false;
