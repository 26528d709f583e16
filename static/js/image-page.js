// An image's own page: tells its viewer when the image is deleted elsewhere.
import { connectLive } from "./live.js";

const page = document.getElementById("image-page");
const notice = document.getElementById("deleted-notice");
const imageId = Number(page.dataset.imageId);

connectLive(page.dataset.socket, {
  onEvent: (event) => {
    if (event.type === "image.deleted" && event.id === imageId) notice.hidden = false;
  },
  onState: () => {},
  onReconnect: async () => {
    const response = await fetch(`/api/images/${imageId}/`);
    if (response.status === 404) notice.hidden = false;
  },
});
