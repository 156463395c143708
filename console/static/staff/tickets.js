/*
 * 办不成事 (tickets with their clock: contact, solution, final deadline) and 差评回访 (the
 * follow-up of bad ratings). Part of the staff web app: uses window.Staff from staff.js.
 */
(function () {
  "use strict";
  var S = window.Staff;
  var $ = S.$, el = S.el, show = S.show, api = S.api;

  S.actionNames({
    ticket_open: "登记办不成事", ticket_update: "修改工单分类", ticket_contacted: "已联系群众",
    ticket_solve: "工单办结", ticket_close: "关闭工单", ticket_export: "导出工单",
    rating_visit: "差评回访", rating_rectify: "反馈整改结果"
  });
  S.tab({ id: "tickets", title: "办不成事", order: 20, load: loadTickets,
    allowed: function (u) { return S.has(u, "agent") || S.has(u, "supervisor"); } });
  S.tab({ id: "followups", title: "差评回访", order: 30, load: loadFollowUps,
    allowed: function (u) { return S.has(u, "supervisor"); } });

  function when(iso) {
    // deadlines are days in China, whatever the agent's computer is set to
    return iso ? new Date(iso).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false, month: "numeric",
      day: "numeric", hour: "2-digit", minute: "2-digit" }) : "—";
  }
  var LATE = { contact: "超联系时限", solution: "超办理时限", final: "超最长时限", visit: "超回访时限", rectify: "超整改时限" };
  function lateText(list) { return list.map(function (k) { return LATE[k] || k; }).join("、"); }
  function fillSelect(select, options, keep) {
    var current = select.value;
    select.textContent = "";
    if (keep) { select.appendChild(el("option", keep, { value: "" })); }
    Object.keys(options).forEach(function (k) { select.appendChild(el("option", options[k], { value: k })); });
    select.value = current;
  }

  // ---- 办不成事 ----
  var chosen = null;
  var lookups = null;
  function query() {
    var f = $("tickets-filter").elements;
    return "?status=" + encodeURIComponent(f.status.value) + "&from=" + encodeURIComponent(f.from.value) +
      "&to=" + encodeURIComponent(f.to.value);
  }
  function loadTickets(event) {
    if (event && event.preventDefault) { event.preventDefault(); }
    $("tickets-error").textContent = "";
    api("GET", "/tickets" + query()).then(function (r) {
      if (r.status !== 200) { $("tickets-error").textContent = r.data.message || "工单没有加载出来。"; return; }
      lookups = r.data;
      fillSelect($("tickets-filter").elements.status, r.data.statuses, "全部状态");
      fillSelect($("ticket-new").elements.category, r.data.categories, "按内容自动分类");
      fillSelect($("ticket-new").elements.service_item, r.data.services, "不涉及具体事项");
      fillSelect($("ticket-detail-category"), r.data.categories);
      $("tickets-export-csv").href = "/staff/api/tickets/export" + query() + "&format=csv";
      $("tickets-export-json").href = "/staff/api/tickets/export" + query() + "&format=json";
      var rows = $("tickets-rows");
      rows.textContent = "";
      r.data.tickets.forEach(function (t) {
        var tr = el("tr", null, { class: "pick" + (t.id === chosen ? " chosen" : "") });
        var due = t.status === "registered" ? "联系 " + when(t.contact_due) : t.status === "contacted" ? "办结 " + when(t.solution_due) : "—";
        [t.number, when(t.created_at), t.category_name, t.department, t.status_name].forEach(function (v) { tr.appendChild(el("td", v)); });
        tr.appendChild(el("td", t.overdue.length ? lateText(t.overdue) : due, t.overdue.length ? { class: "late" } : {}));
        tr.addEventListener("click", function () { chosen = t.id; loadTickets(); });
        rows.appendChild(tr);
      });
      show("tickets-empty", r.data.tickets.length === 0);
      var picked = r.data.tickets.filter(function (t) { return t.id === chosen; })[0];
      showTicket(picked);
    });
  }
  function showTicket(t) {
    show("ticket-detail", !!t);
    if (!t) { return; }
    $("ticket-detail-title").textContent = t.number + " · " + t.kind + " · " + t.status_name;
    var facts = $("ticket-detail-facts");
    facts.textContent = "";
    [["受理来源", t.source + (t.in_chat ? "（群众可在对话中查看进度）" : "")], ["涉及事项", t.service || "—"],
     ["承办单位", t.department], ["诉求内容", t.description], ["联系时限", when(t.contact_due)],
     ["办理时限", when(t.solution_due)], ["最长时限", when(t.final_due)],
     ["超期情况", t.overdue.length ? lateText(t.overdue) : "未超期"], ["办理结果", t.resolution || "—"]
    ].forEach(function (pair) { facts.appendChild(el("dt", pair[0])); facts.appendChild(el("dd", pair[1])); });
    var open = t.status === "registered" || t.status === "contacted";
    $("ticket-detail-category").value = t.category;
    show("ticket-actions", open);
    show("ticket-contacted", t.status === "registered");
  }
  function ticketAct(method, path, body, done) {
    $("ticket-error").textContent = "";
    api(method, "/tickets/" + chosen + path, body).then(function (r) {
      if (r.status !== 200) { $("ticket-error").textContent = r.data.message || "操作没有成功，请重试。"; return; }
      if (done) { done(r); }
      loadTickets();
    });
  }
  $("tickets-filter").addEventListener("submit", loadTickets);
  $("ticket-contacted").addEventListener("click", function () { ticketAct("POST", "/contacted", {}); });
  $("ticket-recategorise").addEventListener("click", function () {
    ticketAct("PATCH", "", { category: $("ticket-detail-category").value });
  });
  $("ticket-solve").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = event.target.elements.resolution;
    ticketAct("POST", "/solve", { resolution: box.value.trim() }, function (r) {
      box.value = "";
      S.note(r.data.told ? "已办结，办理结果已发到群众的对话里。" : "已办结。");
    });
  });
  $("ticket-close").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = event.target.elements.reason;
    ticketAct("POST", "/close", { reason: box.value.trim() }, function () { box.value = ""; });
  });
  $("ticket-new").addEventListener("submit", function (event) {
    event.preventDefault();
    var f = event.target.elements;
    $("ticket-new-error").textContent = "";
    api("POST", "/tickets", {
      description: f.description.value.trim(), category: f.category.value || null,
      kind: f.kind.value || null, service_item: f.service_item.value || null
    }).then(function (r) {
      if (r.status !== 201) { $("ticket-new-error").textContent = r.data.message || "没有登记成功。"; return; }
      event.target.reset();
      chosen = r.data.ticket.id;
      S.note("已登记工单 " + r.data.ticket.number + "，请告诉来电群众工单编号和联系时限。");
      loadTickets();
    });
  });

  // ---- 差评回访 ----
  function loadFollowUps() {
    var state = $("followups-state").value;
    api("GET", "/ratings/follow-ups" + (state ? "?state=" + state : "")).then(function (r) {
      if (r.status !== 200) { return; }
      var list = $("followups-list");
      list.textContent = "";
      r.data.follow_ups.forEach(function (f) { list.appendChild(followUp(f)); });
      show("followups-empty", r.data.follow_ups.length === 0);
    });
  }
  function followUp(f) {
    var card = el("li", null, { class: "followup" + (f.overdue.length ? " late-card" : "") });
    card.appendChild(el("h3", f.level_name + " · " + f.target + (f.target_key && f.target !== "智能问答" ? " " + f.target_key : "") + " · " + f.follow_up_name));
    var facts = el("dl");
    [["评价时间", when(f.created_at)], ["承办单位", f.department], ["原因", f.reasons.join("、") || "未选择"],
     ["群众意见", f.comment || "—"], ["回访时限", when(f.visit_due)], ["整改时限", when(f.rectify_due)],
     ["超期情况", f.overdue.length ? lateText(f.overdue) : "未超期"], ["回访情况", f.visit_note || "—"],
     ["整改结果", f.rectification || "—"]
    ].forEach(function (pair) { facts.appendChild(el("dt", pair[0])); facts.appendChild(el("dd", pair[1])); });
    card.appendChild(facts);
    var error = el("p", "", { class: "error", role: "alert" });
    function step(label, path, field, placeholder) {
      var form = el("form", null, { class: "inline" });
      var box = el("textarea", null, { name: field, rows: "1", maxlength: "500", placeholder: placeholder });
      form.appendChild(box);
      form.appendChild(el("button", label, { type: "submit", class: "small" }));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var body = {}; body[field] = box.value.trim();
        api("POST", "/ratings/" + f.id + path, body).then(function (r) {
          if (r.status !== 200) { error.textContent = r.data.message || "操作没有成功。"; return; }
          if (r.data.told) { S.note("整改结果已发到群众的对话里，群众可以再次评价。"); }
          loadFollowUps();
        });
      });
      card.appendChild(form);
    }
    if (f.follow_up === "open") { step("记录回访", "/visit", "note", "回访情况：何时联系、核实结果"); }
    if (f.follow_up === "open" || f.follow_up === "visited") { step("反馈整改结果", "/rectify", "result", "整改结果（群众会在对话里看到）"); }
    card.appendChild(error);
    return card;
  }
  $("followups-state").addEventListener("change", loadFollowUps);
})();
