// Copy buttons: <button data-copy="ID" hidden> copies the href (or text) of
// element ID and says so in the next .copy-status. Hidden without this script.

async function copy(text) {
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

for (const button of document.querySelectorAll("button[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  const status = button.parentElement.querySelector(".copy-status");
  if (!source) continue;
  button.addEventListener("click", async () => {
    try {
      await copy(source.href ?? source.textContent.trim());
      status.textContent = button.dataset.textCopied;
    } catch {
      status.textContent = button.dataset.textFailed;
      window.getSelection()?.selectAllChildren(source);
    }
  });
  button.hidden = false;
}
