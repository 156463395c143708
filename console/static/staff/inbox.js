/*
 * 转人工 (the handoff inbox): the queue, one conversation, claim / reply / close; refreshed every
 * 5 s. Part of the staff web app: uses the helpers staff.js exports as window.Staff.
 */
(function () {
  "use strict";
  var S = window.Staff;
  var $ = S.$, el = S.el, show = S.show, api = S.api;

  S.actionNames({ handoff_claim: "接入转人工", handoff_reply: "回复群众", handoff_close: "结束转人工" });
  S.tab({ id: "inbox", title: "转人工", order: 10, load: loadInbox,
    allowed: function (u) { return S.has(u, "agent") || S.has(u, "supervisor"); } });

  var chosen = null;
  var WHO = { citizen: "群众", bot: "智能助手", agent: "人工客服" };
  function waited(seconds) {
    if (seconds < 60) { return seconds + "秒"; }
    if (seconds < 3600) { return Math.floor(seconds / 60) + "分钟"; }
    return Math.floor(seconds / 3600) + "小时" + Math.floor((seconds % 3600) / 60) + "分";
  }
  function loadInbox() {
    api("GET", "/handoffs").then(function (r) {
      if (r.status !== 200) { return; }
      var rows = $("inbox-rows");
      rows.textContent = "";
      r.data.requests.forEach(function (q) {
        var tr = el("tr", null, { class: "pick" + (q.id === chosen ? " chosen" : "") });
        [q.ticket, q.channel, q.service || "—", waited(q.waiting_seconds), q.status_name + (q.claimed_by ? "（" + q.claimed_by + "）" : "")]
          .forEach(function (v) { tr.appendChild(el("td", v)); });
        tr.addEventListener("click", function () { chosen = q.id; show("case-help", false); loadInbox(); });
        rows.appendChild(tr);
      });
      show("inbox-empty", r.data.requests.length === 0);
      if (chosen) { loadCase(); } else { show("case", false); }
    });
  }
  function loadCase() {
    api("GET", "/handoffs/" + chosen).then(function (r) {
      if (r.status !== 200) { show("case", false); return; }
      var c = r.data;
      $("case-title").textContent = c.ticket + " · " + c.channel + (c.service ? " · " + c.service : "");
      $("case-facts").textContent = c.reason + "，群众 " + c.citizen + "，已等待" + waited(c.waiting_seconds) + (c.note ? "。" + c.note : "");
      var lines = $("case-lines");
      lines.textContent = "";
      c.conversation.forEach(function (line) {
        var li = el("li", null, { class: line.who });
        li.appendChild(el("span", WHO[line.who] || line.who, { class: "who" }));
        li.appendChild(el("span", line.text, { class: "bubble" }));
        lines.appendChild(li);
      });
      lines.scrollTop = lines.scrollHeight;
      $("case-ranking").textContent = c.ranking && c.ranking.length ? "意图识别：" + c.ranking.map(function (x) {
        return x.intent + " " + Math.round(x.confidence * 100) + "%"; }).join("，") : "";
      var filled = Object.keys(c.slots || {});
      $("case-slots").textContent = filled.length ? "已填信息：" + filled.map(function (k) { return k + "=" + c.slots[k]; }).join("；") : "";
      var mine = c.status === "claimed" && (c.claimed_by === S.user().username || S.has(S.user(), "supervisor"));
      show("case-claim", c.status === "open");
      if (mine && $("case-help").hidden) { loadHelp(); }
      show("case-help", mine);
      show("case-reply", mine);
      show("case-ticket", mine);
      show("case-close", c.status !== "closed" && (c.status === "open" || mine));
      show("case", true);
    });
  }
  // Suggested answers (the knowledge base, with their source) and canned replies: a click puts
  // one into the reply box, where the agent can change it before sending.
  function loadHelp() {
    api("GET", "/handoffs/" + chosen + "/suggestions").then(function (r) {
      if (r.status !== 200) { return; }
      $("help-question").textContent = r.data.question ? "（群众问：" + r.data.question + "）" : "";
      fillPicks($("help-answers"), r.data.answers.map(function (a) { return { text: a.text, source: a.title }; }));
      if (!r.data.answers.length) { $("help-answers").appendChild(el("li", "办事指南里没有找到与群众最近一句话相关的内容。", { class: "hint" })); }
      fillPicks($("help-canned"), r.data.canned.map(function (t) { return { text: t }; }));
    });
  }
  function fillPicks(list, items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = el("li");
      var button = el("button", item.text, { type: "button" });
      if (item.source) { button.appendChild(el("span", "来源：" + item.source, { class: "source" })); }
      button.addEventListener("click", function () {
        var box = $("case-reply").elements.text;
        box.value = item.text;
        box.focus();
      });
      li.appendChild(button);
      list.appendChild(li);
    });
  }

  function act(path, body, done) {
    $("case-error").textContent = "";
    api("POST", "/handoffs/" + chosen + path, body).then(function (r) {
      if (r.status !== 200) { $("case-error").textContent = r.data.message || "操作没有成功，请重试。"; }
      if (done) { done(r); }
      loadInbox();
    });
  }
  $("case-claim").addEventListener("click", function () { act("/claim", {}); });
  $("case-reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = event.target.elements.text;
    if (!box.value.trim()) { return; }
    act("/reply", { text: box.value.trim() }, function (r) { if (r.status === 200) { box.value = ""; } });
  });
  $("case-close").addEventListener("submit", function (event) {
    event.preventDefault();
    act("/close", { outcome: event.target.elements.outcome.value }, function (r) { if (r.status === 200) { chosen = null; } });
  });
  $("case-ticket").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = event.target.elements.description;
    $("case-error").textContent = "";
    api("POST", "/tickets", { description: box.value.trim(), handoff_id: chosen }).then(function (r) {
      if (r.status !== 201) { $("case-error").textContent = r.data.message || "没有登记成功，请重试。"; return; }
      box.value = "";
      S.note("已登记工单 " + r.data.ticket.number + "，群众可在对话里问进度。");
    });
  });
  setInterval(function () { if (S.isOpen("inbox")) { loadInbox(); } }, 5000);

})();
