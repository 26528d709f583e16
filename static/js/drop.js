// The gallery page takes files too: dropped anywhere on it, or pasted, each
// is posted on its own to the Upload page's JSON answer (POST /upload/ with
// Accept: application/json), recorded as this browser's. The panel lists
// each file with its outcome: a link to its page, a Copy link button, the
// delete link to keep, and the images that already had the same bytes. The
// new tiles themselves arrive through the live updates (gallery.js).
// Texts come translated from the panel's data-text-* attributes.
import { copy } from "./copy.js";
import { receiveFiles } from "./receive-files.js";

const panel = document.getElementById("drop-uploads");
const list = panel.querySelector(".drop-list");
const text = panel.dataset;
const csrfToken = document.querySelector('input[name="csrfmiddlewaretoken"]').value;
// One at a time: the first upload starts the session that records this
// browser as the uploader, and the rest should join it.
let chain = Promise.resolve();

function line(...parts) {
  const paragraph = document.createElement("p");
  paragraph.append(...parts);
  return paragraph;
}

function link(href, label) {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = label;
  return anchor;
}

async function send(file, item, outcome) {
  const body = new FormData();
  body.append("file", file);
  let answer;
  try {
    answer = await fetch(text.endpoint, {
      method: "POST",
      body,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
    });
  } catch {
    outcome.textContent = text.textFailed.replace("{status}", "0");
    return;
  }
  const json = await answer.json().catch(() => ({}));
  if (answer.status !== 201) {
    outcome.textContent = json.error?.message ?? text.textFailed.replace("{status}", String(answer.status));
    item.dataset.state = "failed";
    return;
  }
  const image = json.image;
  item.dataset.state = "done";
  item.querySelector(".drop-name").replaceChildren(link(image.page_url, image.name));
  outcome.textContent = text.textDone;
  const status = document.createElement("span");
  status.className = "copy-status";
  status.setAttribute("role", "status");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary small";
  button.textContent = text.textCopy;
  button.addEventListener("click", () =>
    copy(image.url).then(
      () => { status.textContent = text.textCopied; },
      () => { status.textContent = text.textCopyFailed; },
    ),
  );
  item.firstElementChild.append(" ", button, " ", status);
  item.append(line(link(image.delete_url, text.textDeleteLink), " — ", text.textKeep));
  if (image.duplicates.length > 0) {
    const others = await Promise.all(
      image.duplicates.map((id) =>
        fetch(`/api/images/${id}/`, { headers: { Accept: "application/json" } }).then(
          (response) => (response.ok ? response.json() : null),
          () => null,
        ),
      ),
    );
    const links = others.filter(Boolean).flatMap((other, index) => [index ? ", " : "", link(other.page_url, other.name)]);
    if (links.length > 0) item.append(line(`${text.textDuplicate} `, ...links, "."));
  }
}

function uploadAll(files) {
  panel.hidden = false;
  for (const file of files) {
    const item = document.createElement("li");
    item.className = "drop-item";
    item.dataset.state = "uploading";
    const name = document.createElement("span");
    name.className = "drop-name";
    name.textContent = file.name;
    const outcome = document.createElement("span");
    outcome.className = "drop-outcome";
    outcome.textContent = text.textUploading;
    item.append(line(name, " ", outcome));
    list.append(item);
    chain = chain.then(() => send(file, item, outcome));
  }
}

receiveFiles(uploadAll);
