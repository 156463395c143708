// Web chat page: talks to the Rasa server over its socket.io channel.
(function () {
  "use strict";
  var SESSION_KEY = "banshi.session_id";
  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var status = document.getElementById("status");

  function add(who, text, buttons) {
    var item = document.createElement("li");
    item.className = "msg msg--" + who;
    if (text) {
      var bubble = document.createElement("div");
      bubble.className = "msg__bubble";
      bubble.textContent = text;  // never innerHTML: bot and user text are data, not markup
      item.appendChild(bubble);
    }
    if (buttons && buttons.length) {
      var row = document.createElement("div");
      row.className = "msg__buttons";
      buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = b.title;
        button.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  var sessionId = localStorage.getItem(SESSION_KEY);
  var socket = io(window.BANSHI.rasaUrl, { path: "/socket.io", transports: ["websocket"] });

  socket.on("connect", function () {
    status.textContent = "在线";
    socket.emit("session_request", { session_id: sessionId });
  });
  socket.on("session_confirm", function (id) {
    var isNew = id !== sessionId;
    sessionId = id;
    localStorage.setItem(SESSION_KEY, id);
    if (isNew) { send("/greet", null); }
  });
  socket.on("disconnect", function () { status.textContent = "连接已断开，正在重连…"; });
  socket.on("connect_error", function () { status.textContent = "暂时连不上服务，正在重试…"; });
  socket.on("bot_uttered", function (msg) {
    add("bot", msg.text, msg.quick_replies || msg.buttons);
  });

  function send(message, shown) {
    if (!message || !sessionId) { return; }
    if (shown) { add("user", shown); }
    socket.emit("user_uttered", { message: message, session_id: sessionId });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });
})();
