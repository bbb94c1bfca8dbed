/* Passkeys (WebAuthn Level 3) for govhub's second factor. Loaded as a file, never inline:
   the Content-Security-Policy allows scripts from 'self' only.
   A form with data-passkey="register" or "authenticate" asks its data-options-url for
   options, calls navigator.credentials.create/get, and posts the result (JSON) to its
   action; the server answers {redirect} or {title} (what went wrong, in the page's
   language). Sections marked data-passkey-section stay hidden where WebAuthn is missing. */
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var padded = base64 + "===".slice((base64.length + 3) % 4);
    var binary = atob(padded);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function decodeDescriptors(list) {
    return (list || []).map(function (d) { return Object.assign({}, d, { id: toBytes(d.id) }); });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = decodeDescriptors(json.excludeCredentials);
    return options;
  }

  function requestOptions(json) {
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.allowCredentials = decodeDescriptors(json.allowCredentials);
    return options;
  }

  function credentialJSON(credential) {
    var response = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (credential.authenticatorAttachment) { out.authenticatorAttachment = credential.authenticatorAttachment; }
    if (response.attestationObject) {
      out.response.attestationObject = toBase64url(response.attestationObject);
      out.response.transports = response.getTransports ? response.getTransports() : [];
    }
    if (response.authenticatorData) {
      out.response.authenticatorData = toBase64url(response.authenticatorData);
      out.response.signature = toBase64url(response.signature);
      if (response.userHandle) { out.response.userHandle = toBase64url(response.userHandle); }
    }
    return out;
  }

  function post(url, body, token) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function say(form, text) {
    var status = form.querySelector("[data-passkey-status]");
    if (status) { status.textContent = text; }
  }

  function finish(form, result) {
    if (result.data && result.data.redirect) {
      window.location.assign(result.data.redirect);
      return;
    }
    say(form, (result.data && result.data.title) || form.dataset.failed);
  }

  function run(form) {
    var token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var registering = form.dataset.passkey === "register";
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    say(form, "");
    return post(form.dataset.optionsUrl, {}, token).then(function (answer) {
      if (!answer.ok) { return answer; }
      var ceremony = registering
        ? navigator.credentials.create({ publicKey: creationOptions(answer.data) })
        : navigator.credentials.get({ publicKey: requestOptions(answer.data) });
      return ceremony.then(function (credential) {
        var body = { credential: credentialJSON(credential) };
        var nickname = form.querySelector("[data-passkey-nickname]");
        if (nickname) { body.nickname = nickname.value; }
        return post(form.action, body, token);
      });
    }).then(function (result) {
      finish(form, result);
    }).catch(function () {
      /* The person cancelled, or the authenticator refused: nothing was sent. */
      say(form, form.dataset.failed);
    }).then(function () {
      button.disabled = false;
    });
  }

  if (!window.PublicKeyCredential || !navigator.credentials) { return; }
  document.querySelectorAll("[data-passkey-section]").forEach(function (section) {
    section.hidden = false;
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.passkey) { return; }
    event.preventDefault();
    run(form);
  });
}());
