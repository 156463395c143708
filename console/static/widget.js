/*
 * banshi web chat widget: one <script> tag on any page.
 *
 *   <script src="https://<console>/widget.js" defer></script>
 *
 * Options as data attributes on that tag: data-rasa-url (where the browser reaches Rasa's
 * socket.io; defaults to what the console was configured with), data-open="true" (start open).
 * The UI lives in a shadow root so the host page's CSS cannot break it, and vice versa.
 * The conversation is a session the console issues (POST /chat/session: a signed token whose
 * subject is the sender id): kept in sessionStorage with the transcript (numbers masked), so
 * it ends with the tab; 退出 revokes the portal login, clears both and starts afresh. Only
 * the 大字号 and open/closed preferences go to localStorage.
 * Own code rather than rasa-webchat: it needs 大字号 (large text for elderly users), a 转人工
 * button, citations rendered as links to the guides and a 375 px layout, and stays ~300 lines
 * with no build step; the socket.io client comes from npm and is served by the console.
 * Materials: the paper-clip button picks photos or PDFs (on a phone the camera is offered); they
 * go in one multipart POST to the channel's upload route with the session token, and the
 * dialogue answers on the socket as for a message (a thumbnail of what the portal kept). When
 * several materials are still needed, a materials card offers a picker for each, sent together.
 */
(function () {
  "use strict";
  var DEFAULTS = __BANSHI_CONFIG__;
  var script = document.currentScript;
  var origin = new URL(script.src, location.href).origin;
  var rasaUrl = script.getAttribute("data-rasa-url") || DEFAULTS.rasaUrl;
  var KEY = { session: "banshi.session", transcript: "banshi.transcript", large: "banshi.large_text", open: "banshi.open" };
  var LEGACY = ["banshi.session_id", "banshi.transcript"];
  var MAX_TRANSCRIPT = 80;
  var CITATION = /来源：《([^》]+)》/;
  var MAX_FILES = 9;
  var THUMBNAIL = /^data:image\/(jpeg|png);base64,[A-Za-z0-9+\/=]+$/;

  var CSS = [
    ":host { all: initial; }",
    ".launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; border: 0; border-radius: 28px;",
    "  padding: 14px 20px; background: #c7000b; color: #fff; font: 600 16px/1 sans-serif; cursor: pointer;",
    "  box-shadow: 0 4px 16px rgba(0,0,0,.25); }",
    ".panel { position: fixed; right: 20px; bottom: 20px; z-index: 2147483001; width: 400px; max-width: calc(100vw - 16px);",
    "  height: 640px; max-height: calc(100vh - 40px); display: none; flex-direction: column; background: #fff;",
    "  border-radius: 12px; overflow: hidden; box-shadow: 0 8px 32px rgba(0,0,0,.3);",
    "  font-family: -apple-system, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif; font-size: 16px; color: #1f2329; }",
    ".panel.open { display: flex; }",
    ".panel.large { font-size: 21px; }",
    "@media (max-width: 480px) { .panel { right: 0; bottom: 0; width: 100vw; max-width: 100vw; height: 100vh; max-height: 100vh; border-radius: 0; } }",
    "header { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 10px 12px; background: #c7000b; color: #fff; }",
    "header h2 { flex: 1; min-width: 0; margin: 0; font-size: 1.05em; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }",
    ".tools { display: flex; gap: 4px; order: 1; }",
    ".close { order: 2; }",
    /* on a phone, or in 大字号, the tools get a row of their own under the title */
    "@media (max-width: 480px) { .tools { order: 3; flex-basis: 100%; } }",
    ".panel.large .tools { order: 3; flex-basis: 100%; }",
    "header button { border: 1px solid rgba(255,255,255,.7); background: transparent; color: #fff; border-radius: 14px;",
    "  padding: 3px 8px; font-size: .8em; cursor: pointer; white-space: nowrap; }",
    "header button[aria-pressed='true'] { background: #fff; color: #c7000b; }",
    ".status { font-size: .75em; padding: 2px 12px; background: #fff1f0; color: #a8071a; display: none; }",
    ".status.shown { display: block; }",
    ".confirm { display: none; align-items: center; flex-wrap: wrap; gap: 8px; padding: 8px 12px; background: #fffbe6; font-size: .9em; }",
    ".confirm.shown { display: flex; }",
    ".confirm button { border: 1px solid #c7000b; background: #fff; color: #c7000b; border-radius: 14px; padding: 4px 10px; cursor: pointer; }",
    "ol { flex: 1; overflow-y: auto; list-style: none; margin: 0; padding: 12px; }",
    "li { margin: 8px 0; display: flex; flex-direction: column; }",
    ".bubble { max-width: 88%; padding: 10px 14px; border-radius: 12px; line-height: 1.6; white-space: pre-wrap; word-break: break-word; }",
    ".bot .bubble { background: #f2f3f5; align-self: flex-start; }",
    ".notice .bubble { background: #fff7e6; border: 1px solid #f5c16c; align-self: flex-start; }",
    ".user .bubble { background: #c7000b; color: #fff; align-self: flex-end; }",
    ".bubble a { color: #1d4ed8; }",
    ".thumb { max-width: 160px; max-height: 160px; margin-top: 6px; border-radius: 8px; border: 1px solid #e5e6eb; }",
    ".bot .thumb { align-self: flex-start; }",
    ".user .thumb { align-self: flex-end; }",
    ".attach { padding: 0 10px !important; background: #fff !important; color: #c7000b !important; border: 1px solid #c7000b !important; }",
    ".buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }",
    ".buttons button { border: 1px solid #c7000b; color: #c7000b; background: #fff; border-radius: 16px; padding: 6px 12px;",
    "  font-size: .95em; cursor: pointer; }",
    "form { display: flex; gap: 8px; padding: 10px; border-top: 1px solid #e5e6eb; }",
    "input { flex: 1; min-width: 0; font-size: 1em; padding: 10px 12px; border: 1px solid #c9cdd4; border-radius: 8px; }",
    "form button { font-size: 1em; padding: 0 16px; border: 0; border-radius: 8px; background: #c7000b; color: #fff; cursor: pointer; }",
    ".card { align-self: flex-start; max-width: 88%; margin-top: 8px; padding: 10px 12px; border: 1px solid #e5e6eb; border-radius: 12px; background: #fff; }",
    ".card p { margin: 0 0 6px; line-height: 1.5; }",
    ".card .item { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 8px; margin: 10px 0; line-height: 1.4; }",
    ".card .name { flex-basis: 100%; }",
    ".card .pick { border: 1px solid #c7000b; color: #c7000b; background: #fff; border-radius: 14px; padding: 3px 10px; font-size: .9em; cursor: pointer; }",
    ".card .pick:disabled { border-color: #c9cdd4; color: #c9cdd4; cursor: default; }",
    ".card .chosen { color: #86909c; font-size: .9em; }",
    ".card .ready .chosen { color: #00a870; }",
    ".card .send { margin-top: 6px; border: 0; border-radius: 16px; padding: 6px 16px; background: #c7000b; color: #fff; font-size: .95em; cursor: pointer; }",
    ".card .send:disabled { background: #c9cdd4; cursor: default; }"
  ].join("\n");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function store(kind) { try { return window[kind]; } catch (e) { return null; } }
  var kept = store("localStorage"), tab = store("sessionStorage");
  function load(where, key, fallback) {
    try { var v = where.getItem(key); return v === null ? fallback : JSON.parse(v); } catch (e) { return fallback; }
  }
  function save(where, key, value) { try { where.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ } }
  function drop(where, key) { try { where.removeItem(key); } catch (e) { /* private mode */ } }
  // earlier versions kept the session id and the transcript in localStorage: remove them
  LEGACY.forEach(function (key) { drop(kept, key); });

  // What is kept in the tab never holds a whole ID, phone or credit code, or a code typed in.
  var NUMBERS = /[0-9A-Za-z]{6,}/g;
  function masked(text) {
    return text.replace(NUMBERS, function (m) { return /[0-9]/.test(m) ? m.slice(0, 2) + "****" + m.slice(-2) : m; });
  }

  var host = el("div", { id: "banshi-widget" });
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("style", {}, CSS));

  var launcher = el("button", { class: "launcher", type: "button", "aria-label": "打开政务服务助手" }, "办事助手");
  var panel = el("section", { class: "panel", role: "dialog", "aria-label": "示例市政务服务助手" });
  var header = el("header");
  header.appendChild(el("h2", {}, "示例市政务服务助手"));
  var largeBtn = el("button", { type: "button", "aria-pressed": "false", title: "大字号" }, "大字号");
  var humanBtn = el("button", { type: "button" }, "转人工");
  var leaveBtn = el("button", { type: "button", title: "退出登录并清空本机上的聊天记录" }, "退出");
  var closeBtn = el("button", { type: "button", class: "close", "aria-label": "关闭" }, "×");
  var tools = el("div", { class: "tools" });
  [largeBtn, humanBtn, leaveBtn].forEach(function (b) { tools.appendChild(b); });
  header.appendChild(tools);
  header.appendChild(closeBtn);
  var status = el("div", { class: "status", role: "status" });
  var confirmBar = el("div", { class: "confirm", role: "alertdialog", "aria-label": "确认退出" });
  confirmBar.appendChild(el("span", {}, "将退出登录并清空本机上的聊天记录，确定吗？"));
  var confirmYes = el("button", { type: "button" }, "确定退出");
  var confirmNo = el("button", { type: "button" }, "取消");
  confirmBar.appendChild(confirmYes);
  confirmBar.appendChild(confirmNo);
  var list = el("ol", { role: "log", "aria-live": "polite" });
  var form = el("form", { autocomplete: "off" });
  var input = el("input", { maxlength: "1000", placeholder: "请输入您要办的事，例如：孩子出生了要办什么", "aria-label": "输入消息" });
  var attachBtn = el("button", { type: "button", class: "attach", title: "上传材料（照片或 PDF）", "aria-label": "上传材料（照片或 PDF）" }, "上传");
  var picker = el("input", { type: "file", accept: "image/*,application/pdf", multiple: "", hidden: "" });
  form.appendChild(attachBtn);
  form.appendChild(picker);
  form.appendChild(input);
  form.appendChild(el("button", { type: "submit" }, "发送"));
  [header, status, confirmBar, list, form].forEach(function (n) { panel.appendChild(n); });
  root.appendChild(launcher);
  root.appendChild(panel);

  function guideLink(title) {
    return origin + "/guides/by-title/" + encodeURIComponent(title);
  }

  function renderText(bubble, text) {
    // Text is data, never markup: only the citation's title becomes a link, built with the DOM.
    text.split("\n").forEach(function (line, i) {
      if (i > 0) { bubble.appendChild(document.createTextNode("\n")); }
      var m = CITATION.exec(line);
      if (!m) { bubble.appendChild(document.createTextNode(line)); return; }
      bubble.appendChild(document.createTextNode(line.slice(0, m.index) + "来源："));
      var a = el("a", { href: guideLink(m[1]), target: "_blank", rel: "noopener" }, "《" + m[1] + "》");
      bubble.appendChild(a);
      bubble.appendChild(document.createTextNode(line.slice(m.index + m[0].length)));
    });
  }

  var transcript = load(tab, KEY.transcript, []);

  function show(entry) {
    var item = el("li", { class: entry.who });
    if (entry.text) {
      var bubble = el("div", { class: "bubble" });
      renderText(bubble, entry.text);
      item.appendChild(bubble);
    }
    if (entry.image && THUMBNAIL.test(entry.image)) {
      item.appendChild(el("img", { class: "thumb", src: entry.image, alt: "已上传材料的缩略图" }));
    }
    (entry.previews || []).forEach(function (file) {
      // read as a data: URL (a blob: URL is refused by pages whose CSP allows only data: images)
      var img = el("img", { class: "thumb", alt: "您选择的图片" });
      var reader = new FileReader();
      reader.onload = function () { img.src = reader.result; };
      reader.readAsDataURL(file);
      item.appendChild(img);
    });
    if (entry.card && entry.card.items) { showCard(item, entry.card); }
    if (entry.buttons && entry.buttons.length) {
      var row = el("div", { class: "buttons" });
      entry.buttons.forEach(function (b) {
        var button = el("button", { type: "button" }, b.title);
        button.addEventListener("click", function () { send(b.payload, b.title); });
        row.appendChild(button);
      });
      item.appendChild(row);
    }
    list.appendChild(item);
    list.scrollTop = list.scrollHeight;
  }

  // A materials card: a picker per material still needed, sent together in one upload whose
  // form names the material of each file, so several materials take one step instead of one each.
  function showCard(item, card) {
    var box = el("div", { class: "card" });
    box.appendChild(el("p", {}, card.title || ""));
    var pickers = card.items.map(function (name) {
      var row = el("div", { class: "item" });
      row.appendChild(el("span", { class: "name" }, name));
      var chooser = el("input", { type: "file", accept: "image/*,application/pdf", multiple: "", hidden: "", "aria-label": "选择「" + name + "」的文件" });
      var pick = el("button", { type: "button", class: "pick" }, "选择照片或文件");
      var chosen = el("span", { class: "chosen" }, "未选择");
      pick.addEventListener("click", function () { chooser.click(); });
      chooser.addEventListener("change", function () {
        var n = (chooser.files || []).length;
        chosen.textContent = n ? "已选" + n + "个" : "未选择";
        row.classList.toggle("ready", n > 0);
      });
      [chooser, pick, chosen].forEach(function (node) { row.appendChild(node); });
      box.appendChild(row);
      return { name: name, input: chooser, button: pick };
    });
    var go = el("button", { type: "button", class: "send" }, card.button || "一起上传");
    if (card.done) {
      go.disabled = true;
      pickers.forEach(function (p) { p.input.disabled = true; p.button.disabled = true; });
    }
    go.addEventListener("click", function () {
      var files = [], names = [];
      pickers.forEach(function (p) {
        Array.prototype.forEach.call(p.input.files || [], function (f) { files.push(f); names.push(p.name); });
      });
      if (!files.length) { setStatus("请先为至少一项材料选好文件。"); return; }
      if (upload(files, names)) { go.disabled = true; }
    });
    box.appendChild(go);
    item.appendChild(box);
  }

  function record(entry) {
    show(entry);
    transcript.push(entry.who === "user" ? { who: "user", text: masked(entry.text) } : entry);  // previews are not kept
    transcript = transcript.slice(-MAX_TRANSCRIPT);
    save(tab, KEY.transcript, transcript);
  }

  function setLarge(on) {
    panel.classList.toggle("large", on);
    largeBtn.setAttribute("aria-pressed", on ? "true" : "false");
    save(kept, KEY.large, on);
  }
  function setOpen(on) {
    panel.classList.toggle("open", on);
    launcher.style.display = on ? "none" : "";
    save(kept, KEY.open, on);
    if (on) { input.focus(); }
  }
  function setStatus(text) {
    status.textContent = text || "";
    status.classList.toggle("shown", !!text);
  }

  // a card brought back from the tab's transcript is a record: its pickers are not offered again
  transcript.forEach(function (entry) { show(entry.card ? Object.assign({}, entry, { card: Object.assign({ done: true }, entry.card) }) : entry); });
  setLarge(load(kept, KEY.large, false));
  setOpen(script.getAttribute("data-open") === "true" || load(kept, KEY.open, false));
  launcher.addEventListener("click", function () { setOpen(true); });
  closeBtn.addEventListener("click", function () { setOpen(false); });
  largeBtn.addEventListener("click", function () { setLarge(!panel.classList.contains("large")); });
  humanBtn.addEventListener("click", function () { send("/request_human", "转人工"); });

  var session = load(tab, KEY.session, null);
  var sessionId = null;
  var socket = null;
  var refusals = 0;
  // The message not answered yet, sent again with the same id when the socket comes back: the
  // server answers an id once, and replays an answer this socket missed.
  var pending = null;
  var answered = {};

  function messageId() {
    var bytes = new Uint8Array(8);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function send(message, shown) {
    if (!message || !socket || !sessionId) { setStatus("正在连接服务，请稍候再发送。"); return; }
    if (shown) { record({ who: "user", text: shown }); }
    pending = { message: message, message_id: messageId() };
    socket.emit("user_uttered", pending);
  }

  // `materials`: from a materials card, the material of each file (sent after it); whether it went.
  function upload(files, materials) {
    if (!files.length) { return false; }
    if (!socket || !sessionId) { setStatus("正在连接服务，请稍候再发送。"); return false; }
    if (files.length > MAX_FILES) { setStatus("一次最多发送" + MAX_FILES + "个文件，请分几次发送。"); return false; }
    var tooBig = files.filter(function (f) { return f.size > DEFAULTS.maxUploadMb * 1024 * 1024; });
    if (tooBig.length) { setStatus("「" + tooBig[0].name + "」超过" + DEFAULTS.maxUploadMb + "MB，请压缩后再发送。"); return false; }
    var body = new FormData();
    files.forEach(function (f, i) {
      body.append("file", f, f.name);
      if (materials) { body.append("material", materials[i]); }
    });
    var previews = files.filter(function (f) { return /^image\/(jpeg|png)$/.test(f.type); });
    record({ who: "user", text: "发送了" + (files.length > 1 ? files.length + "个文件" : "文件：" + files[0].name), previews: previews });
    setStatus("正在上传…");
    fetch(rasaUrl.replace(/\/$/, "") + "/webhooks/socketio/upload", {
      method: "POST", credentials: "omit", headers: { Authorization: "Bearer " + session.token }, body: body
    }).then(function (answer) {
      if (answer.ok) { setStatus(""); return; }
      return answer.json().then(function (r) { setStatus(r.message || "上传没有成功，请稍后再试。"); },
        function () { setStatus("上传没有成功，请稍后再试。"); });
    }, function () { setStatus("网络不稳定，文件没有发出去，请稍后重新选择发送。"); });
    return true;
  }

  attachBtn.addEventListener("click", function () { picker.click(); });
  picker.addEventListener("change", function () {
    var files = Array.prototype.slice.call(picker.files || []);
    picker.value = "";
    upload(files);
  });

  function live(s) { return s && s.token && Date.parse(s.expires_at) > Date.now() + 60000; }

  function newSession() {
    return fetch(origin + "/chat/session", { method: "POST", credentials: "omit" }).then(function (answer) {
      if (!answer.ok) { throw new Error("session " + answer.status); }
      return answer.json();
    }).then(function (issued) {
      session = issued;
      save(tab, KEY.session, issued);
      return issued;
    });
  }

  function forget() {
    pending = null;
    transcript = [];
    drop(tab, KEY.transcript);
    drop(tab, KEY.session);
    session = null;
    sessionId = null;
    while (list.firstChild) { list.removeChild(list.firstChild); }
  }

  function restart(note) {
    forget();
    if (socket) { socket.disconnect(); }
    newSession().then(function () {
      if (note) { setStatus(note); }
      socket.connect();
    }, function () { setStatus("暂时无法开始新的对话，请刷新页面或拨打" + DEFAULTS.hotline + "。"); });
  }

  leaveBtn.addEventListener("click", function () { confirmBar.classList.add("shown"); confirmNo.focus(); });
  confirmNo.addEventListener("click", function () { confirmBar.classList.remove("shown"); });
  confirmYes.addEventListener("click", function () {
    confirmBar.classList.remove("shown");
    if (socket && socket.connected && sessionId) {
      socket.emit("user_uttered", { message: "/unbind_identity" });  // revokes the portal login
    }
    setTimeout(function () { restart("已退出，本机上的聊天记录已清空。"); }, 300);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    send(text, text);
  });

  // Case notices (办件进展) wait at the console for this conversation: fetched when it connects
  // and every half minute while the page is open, shown once, then marked read.
  function fetchNotices() {
    if (!session || !session.token) { return; }
    var auth = { Authorization: "Bearer " + session.token };
    fetch(origin + "/chat/notices", { headers: auth, credentials: "omit" }).then(function (answer) {
      return answer.ok ? answer.json() : { notices: [] };
    }).then(function (body) {
      var ids = (body.notices || []).map(function (n) { record({ who: "bot notice", text: n.text }); return n.id; });
      if (!ids.length) { return; }
      fetch(origin + "/chat/notices/read", {
        method: "POST", credentials: "omit",
        headers: { Authorization: auth.Authorization, "Content-Type": "application/json" },
        body: JSON.stringify({ ids: ids })
      });
    }, function () { /* offline: the notices wait for the next try */ });
  }
  setInterval(function () { if (socket && socket.connected) { fetchNotices(); } }, 30000);

  function connect() {
    socket = window.io(rasaUrl, {
      path: "/socket.io",
      transports: ["websocket"],
      autoConnect: false,
      auth: function (give) { give({ token: session ? session.token : "" }); }
    });
    socket.on("connect", function () {
      refusals = 0;
      if (status.textContent.indexOf("已") !== 0) { setStatus(""); }
      socket.emit("session_request", {});
    });
    socket.on("session_confirm", function (id) {
      sessionId = id;
      fetchNotices();
      if (transcript.length === 0) { socket.emit("user_uttered", { message: "/greet" }); }
      if (pending) { socket.emit("user_uttered", pending); }
    });
    socket.on("disconnect", function (reason) {
      if (reason !== "io client disconnect") { setStatus("连接已断开，正在重新连接…"); }
    });
    socket.on("connect_error", function () {
      if (!socket.active) {  // the server refused the session (expired): a new conversation
        refusals += 1;
        if (refusals > 2) { setStatus("服务暂时无法接入，请稍后刷新页面，或拨打" + DEFAULTS.hotline + "。"); return; }
        restart("上一次对话已过期，已为您开始新的对话。");
        return;
      }
      setStatus("暂时连不上服务，正在重试；紧急事项请拨打" + DEFAULTS.hotline + "。");
    });
    socket.on("bot_uttered", function (msg) {
      if (msg.reply_to) {
        if (msg.replay && answered[msg.reply_to]) { return; }
        answered[msg.reply_to] = true;
        if (pending && pending.message_id === msg.reply_to) { pending = null; }
      }
      var image = msg.attachment && msg.attachment.type === "image" && msg.attachment.payload ? msg.attachment.payload.src : null;
      var buttons = msg.quick_replies || msg.buttons || [];
      var card = msg.materials_card;
      if (card && Array.isArray(card.items) && card.items.length) { record({ who: "bot", card: card }); return; }
      if (!msg.text && !image && !buttons.length) { return; }  // a payload for other clients
      record({ who: "bot", text: msg.text || "", buttons: buttons, image: image });
    });
    if (live(session)) {
      socket.connect();
    } else {
      restart(transcript.length ? "上一次对话已过期，已为您开始新的对话。" : "");
    }
  }

  if (window.io) {
    connect();
  } else {
    var loader = el("script", { src: origin + "/vendor/socket.io.min.js" });
    loader.onload = connect;
    loader.onerror = function () { setStatus("聊天组件加载失败，请刷新页面或拨打" + DEFAULTS.hotline + "。"); };
    document.head.appendChild(loader);
  }

  window.BanshiWidget = { open: function () { setOpen(true); }, close: function () { setOpen(false); } };
})();
