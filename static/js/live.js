// The gallery's WebSocket: connects, reconnects with backoff and jitter, and
// tells its listener about events and about its own state. No build step.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;

export function connectLive(path, { onEvent, onState, onReconnect }) {
  let attempt = 0;
  let everConnected = false;
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";

  function open() {
    onState(everConnected ? "reconnecting" : "connecting");
    const socket = new WebSocket(url);
    socket.addEventListener("open", () => {
      const wasReconnect = everConnected;
      attempt = 0;
      everConnected = true;
      onState("live");
      // Events sent while this page was offline are lost: catch up.
      if (wasReconnect) onReconnect();
    });
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      onEvent(event);
    });
    socket.addEventListener("close", () => {
      onState(everConnected ? "reconnecting" : "offline");
      const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** attempt);
      attempt += 1;
      window.setTimeout(open, ceiling / 2 + Math.random() * (ceiling / 2));
    });
  }
  open();
}
