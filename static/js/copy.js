// Copy buttons: <button data-copy="ID" hidden> copies the value (a read-only
// field), href (a link) or text of element ID and says so in the next
// .copy-status. Hidden without this script; buttons added later (the Upload
// page's links) work too, shown by the script that adds them.

export async function copy(text) {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Pages served over plain http to another host have no Clipboard API.
  const field = document.createElement("textarea");
  field.value = text;
  field.setAttribute("readonly", "");
  field.className = "visually-hidden";
  document.body.append(field);
  field.select();
  const copied = document.execCommand("copy");
  field.remove();
  if (!copied) throw new Error("copy refused");
}

function textOf(source) {
  if (source instanceof HTMLInputElement || source instanceof HTMLTextAreaElement) return source.value;
  return source.href ?? source.textContent.trim();
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest?.("button[data-copy]");
  const source = button && document.getElementById(button.dataset.copy);
  if (!source) return;
  const status = button.parentElement.querySelector(".copy-status");
  try {
    await copy(textOf(source));
    status.textContent = button.dataset.textCopied;
  } catch {
    status.textContent = button.dataset.textFailed;
    if (source.select) source.select();
    else window.getSelection()?.selectAllChildren(source);
  }
});

for (const button of document.querySelectorAll("button[data-copy]")) {
  if (document.getElementById(button.dataset.copy)) button.hidden = false;
}
