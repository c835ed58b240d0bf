// Coffer customer pages: passkey registration and step-up with WebAuthn.
// Served by the server from /c/passkey.js. The page works without it (authenticator codes);
// passkey buttons stay hidden unless the browser supports WebAuthn's JSON helpers.
(function () {
  "use strict";
  var supported =
    window.PublicKeyCredential &&
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function" &&
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

  function showError(message) {
    var el = document.getElementById("passkey-error");
    if (!el) return;
    el.textContent = message;
    el.hidden = false;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (j) {
        return { ok: r.ok, status: r.status, body: j };
      });
    });
  }

  function failure(reply) {
    var e = reply.body && reply.body.error;
    return (e && e.message) || "That did not work. Try again.";
  }

  function register(button) {
    button.disabled = true;
    post("/c/passkeys/options")
      .then(function (reply) {
        if (!reply.ok) throw new Error(failure(reply));
        var options = PublicKeyCredential.parseCreationOptionsFromJSON(reply.body.publicKey);
        return navigator.credentials.create({ publicKey: options });
      })
      .then(function (credential) {
        return post("/c/passkeys", credential.toJSON());
      })
      .then(function (reply) {
        if (!reply.ok) throw new Error(failure(reply));
        window.location.assign(reply.body.next);
      })
      .catch(function (err) {
        button.disabled = false;
        showError(err && err.name === "NotAllowedError"
          ? "The passkey was not created. Try again when you are ready."
          : (err && err.message) || "The passkey was not created.");
      });
  }

  function prove(button) {
    button.disabled = true;
    post("/c/verify/passkey/options")
      .then(function (reply) {
        if (!reply.ok) throw new Error(failure(reply));
        var options = PublicKeyCredential.parseRequestOptionsFromJSON(reply.body.publicKey);
        return navigator.credentials.get({ publicKey: options });
      })
      .then(function (credential) {
        return post("/c/verify/passkey", credential.toJSON());
      })
      .then(function (reply) {
        if (!reply.ok) throw new Error(failure(reply));
        window.location.assign(reply.body.next);
      })
      .catch(function (err) {
        button.disabled = false;
        showError(err && err.name === "NotAllowedError"
          ? "The passkey was not used. Try again when you are ready."
          : (err && err.message) || "The passkey could not be checked.");
      });
  }

  function finish(approved, text) {
    var main = document.querySelector("main");
    main.innerHTML = "";
    var box = document.createElement("div");
    box.className = approved ? "result ok" : "result failed";
    box.setAttribute("role", "status");
    var h = document.createElement("h1");
    h.textContent = approved ? "Payment approved" : "Payment not approved";
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(h);
    box.appendChild(p);
    main.appendChild(box);
  }

  function stepUp(button) {
    var base = window.location.pathname.replace(/\/$/, "");
    button.disabled = true;
    post(base + "/passkey/options")
      .then(function (reply) {
        if (!reply.ok) throw new Error(failure(reply));
        var options = PublicKeyCredential.parseRequestOptionsFromJSON(reply.body.publicKey);
        return navigator.credentials.get({ publicKey: options });
      })
      .then(function (credential) {
        return post(base + "/passkey", credential.toJSON());
      })
      .then(function (reply) {
        if (reply.body.status === "approved") {
          finish(true, "Thank you. You can close this page and return to your order.");
        } else if (reply.body.status === "failed") {
          finish(false, "The payment was not approved; start it again if it was yours.");
        } else {
          throw new Error(failure(reply));
        }
      })
      .catch(function (err) {
        button.disabled = false;
        showError(err && err.name === "NotAllowedError"
          ? "The passkey was not used. Try again, or enter a code instead."
          : (err && err.message) || "The passkey could not be checked.");
      });
  }

  if (!supported) return;
  var add = document.getElementById("add-passkey");
  if (add) {
    add.hidden = false;
    add.addEventListener("click", function () { register(add); });
  }
  var verify = document.getElementById("verify-passkey");
  if (verify) {
    verify.hidden = false;
    verify.addEventListener("click", function () { prove(verify); });
  }
  var use = document.getElementById("use-passkey");
  if (use) {
    use.hidden = false;
    use.addEventListener("click", function () { stepUp(use); });
  }
})();
