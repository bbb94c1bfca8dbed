/* govhub citizen app: service worker (served at /sw.js so its scope is the whole site).
   The view replaces the placeholders: the release version (a digest of the deployed
   shell files, so every release gets a new worker and a new cache) and the shell list. */
"use strict";
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const CACHED_STATIC = __CACHED_STATIC__;  // folders whose files are part of the version
const CACHE = "govhub-shell-" + VERSION;
const OFFLINE = "/offline/";
// Never touched by the worker: sign-in, the identity provider, the admin, the API, and
// personal pages. They always go to the network, so nothing personal is ever stored.
const BYPASS = /^\/(en\/)?(o|login|logout|admin|api|app|account|i18n)(\/|$)/;

self.addEventListener("install", (event) => {
  // Pages are fetched without cookies: the shell is what anyone sees, never a person's page.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(
    SHELL.map((url) => new Request(url, { credentials: "omit", cache: "reload" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith("govhub-") && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

// A new worker waits until the page asks (the "new version — reload" banner), so a page is
// never served by two releases at once.
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
});

// Pages are kept only when the server says they are the same for everyone (the header is
// set on pages shown to a visitor who is not signed in); a person's page never is.
function isSharedPage(response) {
  return response.ok && response.type === "basic"
    && response.headers.get("Govhub-Offline") === "shared";
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Search results (?q=…) are not kept: the cache would grow with every search.
    if (isSharedPage(response) && !new URL(request.url).search) {
      cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const url = new URL(request.url);
    return (await cache.match(request, { ignoreSearch: true }))
      || (await cache.match(url.pathname === "/" || url.pathname === "/en/" ? "/" : OFFLINE))
      || (await cache.match(OFFLINE));
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin
      || BYPASS.test(url.pathname)) return;
  if (request.mode === "navigate") event.respondWith(networkFirst(request));
  else if (CACHED_STATIC.some((prefix) => url.pathname.startsWith(prefix))) {
    event.respondWith(cacheFirst(request));
  }
});
