// An image's own page: tells its viewer when the image is deleted elsewhere.
import { connectLive } from "./live.js";

const page = document.getElementById("image-page");
const notice = document.getElementById("deleted-notice");
const imageId = Number(page.dataset.imageId);

const live = connectLive(page.dataset.socket, {
  onEvent: (event) => {
    if (event.type === "image.deleted" && event.id === imageId) showDeleted();
  },
  onState: () => {},
  // Deleted while this page loaded or while the socket was down: that event
  // is lost, so ask the API whether the image is still there.
  onOpen: () => {
    fetch(`/api/images/${imageId}/`, { method: "HEAD", cache: "no-store" })
      .then((response) => {
        if (response.status === 404) showDeleted();
      })
      .catch(() => {});
  },
});

function showDeleted() {
  notice.hidden = false; // role="alert": announced as it appears
  // Its delete link would only lead to a "no such image" page now.
  page.querySelector("a.danger")?.closest("p")?.remove();
  live.close(); // nothing more can happen to this image
}
