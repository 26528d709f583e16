// The Upload page, enhanced: drop files anywhere on the page, paste an image,
// or choose many; each file goes up on its own as a resumable upload (tus, to
// /api/uploads/, through the vendored tus-js-client) in chunks of the server's
// UPLOAD_CHUNK_SIZE. Each shows its progress, can be paused, resumed and
// cancelled, goes on where the server's bytes end after the connection drops
// (by itself once the browser is back online), and ends with its own link or
// message. A file begun before the page was reloaded goes on where it stopped.
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

async function showImage(task, response) {
  release(task);
  const address = response.getHeader("Image-Url");
  try {
    const answer = await fetch(address, { headers: { Accept: "application/json" } });
    if (!answer.ok) throw new Error(String(answer.status));
    succeed(task, await answer.json());
  } catch {
    finish(task, "failed", text.textFailed.replace("{status}", "404"));
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

// Leaving the page stops the uploads still on their way (they can go on
// where they stopped when the same files are chosen again).
window.addEventListener("beforeunload", (event) => {
  if (running > 0 || waiting.length > 0) event.preventDefault();
});

dropzone.hidden = false;
