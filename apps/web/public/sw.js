// Offline once loaded: every same-origin GET the page makes (the app, MNIST, the wasm binaries)
// is answered from the cache when the network cannot, and cached when it can; every answer is
// cross-origin isolated (below).
const CACHE = 'mnist-lab-v1';

// Cross-origin isolation, which static hosts rarely configure: every response this worker serves
// carries COOP and COEP, so that from the second visit on (the first that it controls) the page and
// its training worker may share memory with wasm threads. Everything the lab loads is same-origin.
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

function isolated(response) {
  if (response.type === 'opaque' || response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      try {
        const response = await fetch(request);
        if (response.ok) await cache.put(request, response.clone());
        return isolated(response);
      } catch (error) {
        const cached = await cache.match(request, { ignoreSearch: true });
        if (cached) return isolated(cached);
        throw error;
      }
    })(),
  );
});
