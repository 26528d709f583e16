// The gallery's WebSocket: connects, reconnects with backoff and jitter, and
// tells its listener about events and about its own state. No build step.

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 30000;
// A socket that closes sooner than this after opening (a server accepting
// and failing at once) keeps backing off instead of retrying at full speed.
const STABLE_MS = 10000;
// Tries before the state says "offline" rather than "reconnecting".
const OFFLINE_AFTER = 3;

// onOpen runs on every (re)connection: events sent while no socket was open
// are lost, including between page render and the first connect, so the
// listener catches up from the API there.
export function connectLive(path, { onEvent, onState, onOpen }) {
  const url = new URL(path, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let socket = null;
  let failures = 0;
  let timer = null;
  let stopped = false;

  function open() {
    timer = null;
    const current = new WebSocket(url);
    socket = current;
    let openedAt = null;
    current.addEventListener("open", () => {
      openedAt = Date.now();
      onState("live");
      onOpen();
    });
    current.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (event && typeof event.type === "string") onEvent(event);
    });
    current.addEventListener("close", () => {
      if (stopped || socket !== current) return;
      if (openedAt !== null && Date.now() - openedAt >= STABLE_MS) failures = 0;
      failures += 1;
      onState(failures > OFFLINE_AFTER || !navigator.onLine ? "offline" : "reconnecting");
      schedule();
    });
  }

  function schedule() {
    // Full jitter: after a server restart, clients come back spread out.
    const ceiling = Math.min(MAX_DELAY_MS, MIN_DELAY_MS * 2 ** failures);
    timer = window.setTimeout(open, Math.random() * ceiling);
  }

  // Back online (or the tab restored from the back-forward cache): retry now.
  function retryNow() {
    if (stopped || timer === null) return;
    window.clearTimeout(timer);
    open();
  }

  window.addEventListener("online", retryNow);
  window.addEventListener("pageshow", retryNow);
  onState("connecting");
  open();

  return {
    close() {
      stopped = true;
      window.clearTimeout(timer);
      socket?.close();
    },
  };
}
