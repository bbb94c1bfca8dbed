/* govhub citizen app: service worker, install, update banner, adoption signals, push
   preference. A file, never inline (the site's CSP); no framework, no third party. */
(function () {
  "use strict";
  var doc = document;

  function csrf() {
    var match = doc.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    return fetch(url, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf() } });
  }

  // Adoption signals: counts only (published as aggregates), to this site only.
  function signal(name) {
    if (!csrf()) return;
    post("/app/signals/", { signal: name }).catch(function () {});
  }

  function once(storage, key, value) {
    try {
      if (storage.getItem(key) === value) return false;
      storage.setItem(key, value);
    } catch (e) { return false; }
    return true;
  }

  function reportUse() {
    var standalone = window.matchMedia("(display-mode: standalone)").matches
      || navigator.standalone === true;
    if (standalone && once(sessionStorage, "govhub-launch", "1")) signal("standalone_launch");
    var today = new Date().toISOString().slice(0, 10);
    if (doc.body.dataset.signedIn && once(localStorage, "govhub-active", today)) {
      signal("active");
    }
  }
  window.addEventListener("appinstalled", function () { signal("install"); });

  // Install: Android's prompt behind our own button; iOS gets the Home Screen guide.
  var deferred = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferred = event;
    var button = doc.getElementById("install");
    if (button) button.hidden = false;
  });

  function setUpInstall() {
    var button = doc.getElementById("install");
    if (button) {
      button.addEventListener("click", function () {
        if (!deferred) return;
        deferred.prompt();
        deferred.userChoice.then(function () { deferred = null; button.hidden = true; });
      });
    }
    var guide = doc.getElementById("ios-guide");
    var ios = /iPhone|iPad|iPod/.test(navigator.userAgent) && !navigator.standalone;
    if (guide && ios) guide.hidden = false;
  }

  // A new release waits until the person chooses to reload (the worker's SKIP_WAITING).
  var updating = false;
  function offerUpdate(worker) {
    var banner = doc.getElementById("update-banner");
    if (!banner) return;
    banner.hidden = false;
    banner.querySelector("button").addEventListener("click", function () {
      updating = true;
      worker.postMessage({ type: "SKIP_WAITING" });
    });
  }

  function registerWorker() {
    if (!("serviceWorker" in navigator)) return;
    // Reload only when the person asked for the new version; the first worker's
    // clients.claim() also changes the controller, and must not reload a page mid-use.
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (!updating) return;
      updating = false;
      window.location.reload();
    });
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
      function track(worker) {
        if (!worker) return;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed" && navigator.serviceWorker.controller) {
            offerUpdate(worker);
          }
        });
      }
      if (reg.waiting && navigator.serviceWorker.controller) offerUpdate(reg.waiting);
      track(reg.installing);  // an update found by this very navigation
      reg.addEventListener("updatefound", function () { track(reg.installing); });
    }).catch(function () {});
  }

  // Push on this device (profile page): a random id kept on the device, no fingerprint.
  function setUpPush() {
    var box = doc.getElementById("push-device");
    if (!box) return;
    var id = localStorage.getItem("govhub-device");
    if (!id) {
      var bytes = new Uint8Array(16);
      crypto.getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      localStorage.setItem("govhub-device", id);
    }
    var input = box.querySelector("input");
    var status = box.querySelector("[role=status]");
    input.checked = localStorage.getItem("govhub-push") === "1";
    box.hidden = false;
    input.addEventListener("change", function () {
      var wanted = input.checked;
      var ask = wanted && window.Notification ? Notification.requestPermission()
        : Promise.resolve("granted");
      ask.then(function (permission) {
        var enabled = wanted && permission === "granted";
        input.checked = enabled;
        return post("/app/push-device/", { device_id: id, is_enabled: enabled ? "on" : "" })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            localStorage.setItem("govhub-push", enabled ? "1" : "0");
            status.textContent = enabled ? box.dataset.on : box.dataset.off;
          });
      }).catch(function () { status.textContent = box.dataset.failed; });
    });
  }

  function start() {
    registerWorker();
    setUpInstall();
    setUpPush();
    reportUse();
  }
  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})();
