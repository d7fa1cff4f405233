// Yingpan's service worker: keeps the app shell (index.html and the script,
// wasm and CSS it names) so the app starts with no network. The data is not
// its business: /api/ goes straight to the network, and the app's own sync
// handles being offline.
//
// Trunk names the script, wasm and CSS by a hash of their content, so a new
// build has new URLs: they are served cache-first. index.html keeps its URL,
// so navigations go to the network first and fall back to the cached copy.
// A new index.html is cached only once everything it names is cached too, so
// whatever start comes next, online or not, finds a whole app.

// Bump when this file's caching changes; a new name drops the old caches.
const CACHE = 'yingpan-shell-v1';
// The cached index.html, answered for every client-side route.
const SHELL = '/';
// How long a navigation waits for the network before using the cached shell
// (patchy signal should not mean a blank screen).
const NETWORK_TIMEOUT_MS = 3000;

self.addEventListener('install', (event) => {
  event.waitUntil(
    fetch(SHELL, { cache: 'no-cache' })
      .then(keepShell)
      // Take over without waiting for every old tab to close: the next
      // start runs the new version.
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || url.pathname.startsWith('/api/')) {
    return; // not ours: the browser fetches it as if there were no worker
  }
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
  } else {
    event.respondWith(cacheFirst(request));
  }
});

// Network first, the cached shell if the network fails or is slow. A late
// answer still refreshes the cache for the next start.
async function navigate(event) {
  const network = fetch(event.request).then(async (response) => {
    if (response.ok && (response.headers.get('content-type') || '').startsWith('text/html')) {
      // Online, a fresh page is better than the cached one even if caching
      // it failed; the next navigation tries again.
      await keepShell(response.clone()).catch(() => {});
    }
    return response;
  });
  event.waitUntil(network.catch(() => {}));
  const cached = await caches.match(SHELL);
  if (!cached) {
    return network; // first visit: nothing to fall back on
  }
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_TIMEOUT_MS, cached));
  return Promise.race([network.catch(() => cached), timeout]);
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) {
    return cached;
  }
  const response = await fetch(request);
  // Never keep a page where a file was asked for.
  const html = (response.headers.get('content-type') || '').startsWith('text/html');
  if (response.ok && response.type === 'basic' && !html) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

// Caches `response` (an index.html) as the shell once the files it names are
// cached. When it is a new version, drops what neither it nor the version
// before needs (a tab may still be starting on the one before).
async function keepShell(response) {
  const html = await response.clone().text();
  const cache = await caches.open(CACHE);
  const old = await cache.match(SHELL);
  const previous = old ? await old.text() : '';
  if (html === previous) {
    return;
  }
  const files = filesOf(html);
  const missing = [];
  for (const file of files) {
    if (!(await cache.match(file))) {
      missing.push(file);
    }
  }
  await cache.addAll(missing); // all or nothing: a failure keeps the old shell
  await cache.put(SHELL, response);
  const keep = new Set([SHELL, ...files, ...filesOf(previous)]);
  for (const request of await cache.keys()) {
    if (!keep.has(new URL(request.url).pathname)) {
      await cache.delete(request);
    }
  }
}

// The same-origin files an index.html names: Trunk writes them as absolute
// paths, in link hrefs and in the inline script that starts the wasm.
function filesOf(html) {
  const files = new Set();
  for (const match of html.matchAll(/["'](\/[\w\-./]+\.(?:js|wasm|css|webmanifest|png|svg))["']/g)) {
    files.add(match[1]);
  }
  return [...files];
}
