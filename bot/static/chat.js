// The web chat page (/chat). Each browser tab is its own chat session: a random id kept
// in sessionStorage; the server makes one "web" contact per session and consumer, never
// a WhatsApp/SMS contact.
(function () {
  "use strict";
  var log = document.getElementById("log"), who = document.getElementById("who"),
      channel = document.getElementById("channel"), form = document.getElementById("form"),
      text = document.getElementById("text");
  function newSession() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }
  var session = window.sessionStorage.getItem("webchat-session");
  if (!/^[0-9a-f]{32}$/.test(session || "")) {
    session = newSession();
    window.sessionStorage.setItem("webchat-session", session);
  }
  function add(cls, body, meta) {
    var div = document.createElement("div");
    div.className = "msg " + cls;
    div.textContent = body;
    if (meta) { var m = document.createElement("div"); m.className = "meta"; m.textContent = meta; div.appendChild(m); }
    log.appendChild(div); log.scrollTop = log.scrollHeight;
    return div;
  }
  function send(message, button, label) {
    add("me", label || message);
    fetch("/chat/send", {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({view: channel.value, session: session, ca: who.value || null,
                            text: message, button: button || null})})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.replies) { add("bot", "Error: " + JSON.stringify(data.detail || data)); return; }
        if (!data.replies.length) { add("bot", "(no reply: a person has this conversation)"); }
        data.replies.forEach(function (reply) {
          var meta = channel.value === "sms" ? reply.segments + " SMS part(s), " + reply.encoding : "";
          var div = add("bot", reply.text, meta);
          if (reply.buttons.length) {
            var box = document.createElement("div"); box.className = "buttons";
            reply.buttons.forEach(function (b) {
              var btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.label;
              btn.onclick = function () { send("", b.value, b.label); };
              box.appendChild(btn);
            });
            div.appendChild(box);
          }
        });
      })
      .catch(function (e) { add("bot", "Error: " + e); });
  }
  form.onsubmit = function (e) {
    e.preventDefault();
    if (text.value.trim()) { send(text.value.trim()); text.value = ""; }
  };
  channel.onchange = function () { document.body.className = channel.value; };
  who.onchange = function () { log.textContent = ""; };
  fetch("/chat/consumers").then(function (r) { return r.json(); }).then(function (rows) {
    rows.forEach(function (c) {
      var o = document.createElement("option"); o.value = c.ca;
      o.textContent = c.name + " (CA " + c.ca + ", " + c.mobile + ")"; who.appendChild(o);
    });
  });
}());
