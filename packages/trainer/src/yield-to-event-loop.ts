/**
 * Lets the event loop run: timers, I/O, signal handlers (Ctrl-C) and an `AbortSignal`'s abort
 * callers get their turn between training steps. A resolved promise would not do: its callback is
 * a microtask, run before any of those. `setImmediate` where it exists (Node, about a microsecond);
 * elsewhere a `MessageChannel` message, which browsers do not clamp as they clamp `setTimeout(0)`.
 */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(undefined);
  });
}
