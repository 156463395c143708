/*
 * 未答问题: what citizens asked that the knowledge base could not answer well (masked), grouped by
 * meaning, with counts and the last 14 days; a group becomes a draft FAQ (reviewed like any
 * change, opened in 知识库), is sent to the owning department with a due date, or is set aside
 * with a reason. Groups can be ticked to be handled together. Uses window.Staff from staff.js;
 * the API is console/unanswered.py.
 */
(function () {
  "use strict";
  var S = window.Staff;
  var el = S.el, api = S.api;
  var root = S.$("unanswered");
  var ticked = {};
  var data = null;
  var view = { state: "open", outcome: "", days: "" };

  S.actionNames({
    kb_unanswered_faq: "未答问题转为常见问题", kb_unanswered_route: "未答问题转交部门",
    kb_unanswered_dismiss: "未答问题不予处理", kb_unanswered_reopen: "未答问题重新打开"
  });
  S.tab({ id: "unanswered", title: "未答问题", order: 55, load: load,
    allowed: function (u) { return S.has(u, "editor") || S.has(u, "reviewer"); } });

  var INLINE = "display:inline;width:auto;margin:0 6px 0 0";
  var TIMES = { "": "全部时间", "7": "近7天", "14": "近14天", "30": "近30天", "90": "近90天" };
  var CHANNELS = { socketio: "网页聊天窗口", rest: "REST 接口", wechat: "微信公众号", miniprogram: "微信小程序", unknown: "未记录" };

  function day(iso) {
    // dates as the city sees them, whatever the editor's computer is set to
    return iso ? new Date(iso).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai" }).slice(0, 16) : "—";
  }
  function options(select, names, first) {
    select.textContent = "";
    if (first) { select.appendChild(el("option", first, { value: "" })); }
    Object.keys(names).forEach(function (k) { select.appendChild(el("option", names[k], { value: k })); });
  }
  function counted(map, names) {
    return Object.keys(map).map(function (k) { return (names[k] || k) + " " + map[k]; }).join("、");
  }

  // ---- the frame: filters, summary, list ----
  var filter = el("form", null, { class: "inline" });
  var stateSelect = el("select", null, { name: "state" });
  var outcomeSelect = el("select", null, { name: "outcome" });
  var daysSelect = el("select", null, { name: "days" });
  options(daysSelect, TIMES);
  [["处理状态", stateSelect], ["未答情形", outcomeSelect], ["提问时间", daysSelect]].forEach(function (pair) {
    var label = el("label", pair[0] + " ");
    label.appendChild(pair[1]);
    filter.appendChild(label);
  });
  filter.appendChild(el("button", "查询", { type: "submit", class: "small" }));
  var summary = el("p", null, { class: "hint" });
  var error = el("p", null, { class: "error", role: "alert" });
  var list = el("ol", null, { style: "list-style:none;margin:0;padding:0" });
  var empty = el("p", "目前没有需要处理的问题。", { class: "hint" });
  root.appendChild(el("h2", "未答问题"));
  root.appendChild(filter);
  root.appendChild(el("p", "群众问到而知识库答不好的问题（已脱敏），意思相近的自动归为一组，按提问次数排序。" +
    "勾选几组可以一起处理。", { class: "hint" }));
  root.appendChild(summary);
  root.appendChild(error);
  root.appendChild(list);
  root.appendChild(empty);
  filter.addEventListener("submit", function (event) {
    event.preventDefault();
    view = { state: stateSelect.value || "open", outcome: outcomeSelect.value, days: daysSelect.value };
    ticked = {};
    load();
  });

  function load() {
    error.textContent = "";
    var query = "?state=" + encodeURIComponent(view.state) + "&outcome=" + encodeURIComponent(view.outcome) +
      "&days=" + encodeURIComponent(view.days);
    summary.textContent = "正在归类……";
    api("GET", "/kb/unanswered" + query).then(function (r) {
      if (r.status !== 200) { summary.textContent = ""; error.textContent = r.data.message || "未答问题没有加载出来。"; return; }
      data = r.data;
      options(stateSelect, data.states);
      stateSelect.value = view.state;
      options(outcomeSelect, data.outcomes, "全部情形");
      outcomeSelect.value = view.outcome;
      daysSelect.value = view.days;
      summary.textContent = Object.keys(data.states).map(function (k) {
        return data.states[k] + " " + (data.counts[k] || 0) + " 条";
      }).join(" · ") + (data.truncated ? "（只归类了最近的 " + data.questions + " 条）" : "");
      list.textContent = "";
      data.clusters.forEach(function (c) { list.appendChild(cluster(c)); });
      empty.hidden = data.clusters.length > 0;
    });
  }

  // ---- one cluster ----
  function trend(c) {
    var top = Math.max.apply(null, c.trend.concat([1]));
    var bars = el("span", null, { style: "display:inline-flex;align-items:flex-end;gap:2px;height:22px;vertical-align:middle",
      "aria-label": "近14天每天的提问次数：" + c.trend.join("、") });
    c.trend.forEach(function (n, i) {
      bars.appendChild(el("span", null, { title: data.days[i] + "：" + n + " 次",
        style: "display:inline-block;width:5px;background:" + (n ? "#c7000b" : "#e5e6eb") +
          ";height:" + Math.max(2, Math.round(20 * n / top)) + "px" }));
    });
    return bars;
  }
  function change(c) {
    var arrow = c.this_week > c.last_week ? "↑" : c.this_week < c.last_week ? "↓" : "→";
    return "近7天 " + c.this_week + " 次，前7天 " + c.last_week + " 次 " + arrow;
  }

  function cluster(c) {
    var item = el("li", null, { class: "card", style: "border:1px solid #e5e6eb;box-shadow:none;padding:12px 16px;margin-bottom:10px" });
    item.id = "unanswered-" + c.id;
    var head = el("div", null, { style: "display:flex;gap:10px;align-items:center;flex-wrap:wrap" });
    if (c.state === "open") {
      var box = el("input", null, { type: "checkbox", style: INLINE, "aria-label": "一并处理这一组" });
      box.checked = !!ticked[c.id];
      box.addEventListener("change", function () { if (box.checked) { ticked[c.id] = c.rows; } else { delete ticked[c.id]; } });
      head.appendChild(box);
    }
    head.appendChild(el("strong", c.representative));
    head.appendChild(el("span", "共 " + c.count + " 次"));
    head.appendChild(trend(c));
    head.appendChild(el("span", change(c), { class: "hint" }));
    item.appendChild(head);
    var facts = [
      "情形：" + counted(c.outcomes, data.outcomes),
      "渠道：" + counted(c.channels, CHANNELS),
      "最近一次：" + day(c.last_seen) + "（最早 " + day(c.first_seen) + "）"
    ];
    if (Object.keys(c.service_items).length) { facts.push("事项：" + counted(c.service_items, data.services)); }
    if (c.best_citation) { facts.push("知识库最接近的内容：" + c.best_citation); }
    item.appendChild(el("p", facts.join(" · "), { class: "hint", style: "margin:6px 0" }));
    if (c.related && c.related.length) {
      var near = el("p", "意思相近的组（点一下勾选，一并处理）：", { class: "hint", style: "margin:4px 0" });
      c.related.forEach(function (id) {
        var other = data.clusters.filter(function (x) { return x.id === id; })[0];
        if (!other) { return; }
        var pick = el("button", "「" + other.representative + "」" + other.count + " 次", { type: "button", class: "small", style: "margin:0 6px 4px 0" });
        pick.addEventListener("click", function () {
          ticked[id] = other.rows;
          var target = document.getElementById("unanswered-" + id);
          var box = target && target.querySelector("input[type=checkbox]");
          if (box) { box.checked = true; }
        });
        near.appendChild(pick);
      });
      item.appendChild(near);
    }
    var more = el("details");
    more.appendChild(el("summary", "查看全部 " + c.distinct + " 种问法"));
    var asked = el("ul", null, { style: "margin:6px 0" });
    c.questions.forEach(function (q) { asked.appendChild(el("li", q.text + (q.count > 1 ? "（" + q.count + " 次）" : ""))); });
    more.appendChild(asked);
    item.appendChild(more);
    if (c.state === "open") { item.appendChild(actions(c)); } else { item.appendChild(handled(c)); }
    return item;
  }

  function handled(c) {
    var box = el("div", null, { style: "margin-top:8px" });
    var lines = ["处理人：" + (c.handled_by || "—") + "，" + day(c.handled_at)];
    if (c.state === "routed") {
      lines.push("承办部门：" + c.department + "，办理期限 " + c.due_date + (c.overdue ? "（已超期）" : ""));
    }
    if (c.state === "faq" && c.revision_id) { lines.push("已生成修改稿 #" + c.revision_id + "，在“知识库”中审核发布。"); }
    if (c.note) { lines.push((c.state === "dismissed" ? "原因：" : "说明：") + c.note); }
    lines.forEach(function (text, i) {
      box.appendChild(el("p", text, i === 1 && c.overdue ? { class: "error", style: "margin:2px 0" } : { style: "margin:2px 0" }));
    });
    var again = el("button", "重新打开", { type: "button", class: "small" });
    var problem = el("p", null, { class: "error", role: "alert" });
    again.addEventListener("click", function () {
      send("/reopen", { rows: c.rows }, problem, function () { S.note("已放回待处理。"); });
    });
    box.appendChild(again);
    box.appendChild(problem);
    return box;
  }

  // ---- actions on a cluster (and the ticked ones) ----
  function rowsWith(c) {
    var rows = c.rows.slice();
    Object.keys(ticked).forEach(function (id) {
      if (Number(id) !== c.id) { rows = rows.concat(ticked[id]); }
    });
    return rows;
  }
  function send(path, body, problem, done) {
    problem.textContent = "";
    api("POST", "/kb/unanswered" + path, body).then(function (r) {
      if (r.status !== 200) { problem.textContent = r.data.message || "操作没有成功，请重试。"; return; }
      ticked = {};
      if (done) { done(r.data); }
      load();
    });
  }

  function actions(c) {
    var box = el("div", null, { class: "actions", style: "margin-top:8px" });
    var bar = el("div", null, { style: "display:flex;gap:8px;flex-wrap:wrap" });
    var panel = el("div");
    var problem = el("p", null, { class: "error", role: "alert" });
    var user = S.user();
    var buttons = [["转为常见问题", faqForm], ["转交部门", routeForm], ["不予处理", dismissForm]];
    buttons.forEach(function (pair) {
      if (pair[1] === faqForm && !S.has(user, "editor")) { return; }
      var button = el("button", pair[0], { type: "button", class: "small" });
      button.addEventListener("click", function () {
        panel.textContent = "";
        problem.textContent = "";
        var extra = Object.keys(ticked).filter(function (id) { return Number(id) !== c.id; }).length;
        panel.appendChild(el("p", "将处理本组 " + c.count + " 个问题" + (extra ? "，以及勾选的另外 " + extra + " 组" : "") + "。", { class: "hint" }));
        panel.appendChild(pair[1](c, problem));
      });
      bar.appendChild(button);
    });
    box.appendChild(bar);
    box.appendChild(panel);
    box.appendChild(problem);
    return box;
  }

  function faqForm(c, problem) {
    var form = el("form");
    var where = el("fieldset");
    where.appendChild(el("legend", "放在哪份文档"));
    var nearest = el("label");
    var nearestRadio = el("input", null, { type: "radio", name: "where", value: "nearest", style: INLINE });
    nearestRadio.checked = true;
    nearest.appendChild(nearestRadio);
    nearest.appendChild(document.createTextNode("知识库中最接近的文档（系统自动选择）"));
    var fresh = el("label");
    fresh.appendChild(el("input", null, { type: "radio", name: "where", value: "new", style: INLINE }));
    fresh.appendChild(document.createTextNode("新建一份文档"));
    where.appendChild(nearest);
    where.appendChild(fresh);
    form.appendChild(where);
    var title = el("label", "新文档标题 ");
    title.appendChild(el("input", null, { name: "title", maxlength: "80", placeholder: "如：公共自行车常见问题" }));
    form.appendChild(title);
    form.appendChild(el("p", "会生成一份草稿：以最接近的知识库内容作为参考答案，本组其他问法作为关联问题。" +
      "请在“知识库”中改好答案后提交审核，审核通过并发布后群众才能看到。", { class: "hint" }));
    form.appendChild(el("button", "生成草稿", { type: "submit" }));
    var result = el("div");
    form.appendChild(result);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { rows: rowsWith(c) };
      if (form.elements.where.value === "new") {
        if (!form.elements.title.value.trim()) { problem.textContent = "请填写新文档的标题。"; return; }
        body.title = form.elements.title.value.trim();
      }
      send("/faq", body, problem, drafted);
    });
    return form;
  }

  function drafted(result) {
    var revision = result.revision;
    S.note("已生成草稿（修改稿 #" + revision.id + "，文档“" + revision.title + "”），请在“知识库”中修改答案并提交审核。");
    var tab = document.querySelector('#tabs button[data-tab="knowledge"]');
    if (tab) {
      tab.click();
      window.dispatchEvent(new CustomEvent("banshi:open-document", { detail: { source: result.source, revision: revision.id } }));
    }
  }

  function routeForm(c, problem) {
    var form = el("form", null, { class: "grid" });
    var department = el("label", "承办部门 ");
    var select = el("select", null, { name: "department", required: "required" });
    select.appendChild(el("option", "请选择", { value: "" }));
    data.departments.forEach(function (d) { select.appendChild(el("option", d, { value: d })); });
    department.appendChild(select);
    var due = el("label", "办理期限 ");
    due.appendChild(el("input", null, { name: "due_date", type: "date", min: data.today, required: "required" }));
    var note = el("label", "说明（部门会看到） ");
    note.appendChild(el("input", null, { name: "note", maxlength: "500", placeholder: "如：请提供最新的办理材料和咨询电话" }));
    [department, due, note].forEach(function (n) { form.appendChild(n); });
    form.appendChild(el("button", "转交", { type: "submit" }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var f = form.elements;
      send("/route", { rows: rowsWith(c), department: f.department.value, due_date: f.due_date.value, note: f.note.value.trim() },
        problem, function () { S.note("已转交" + f.department.value + "，办理期限 " + f.due_date.value + "。"); });
    });
    return form;
  }

  function dismissForm(c, problem) {
    var form = el("form", null, { class: "inline" });
    var reason = el("label", "不予处理的原因 ");
    reason.appendChild(el("input", null, { name: "reason", maxlength: "500", required: "required", placeholder: "如：与政务服务无关、重复提问、测试消息" }));
    form.appendChild(reason);
    form.appendChild(el("button", "确认", { type: "submit", class: "small" }));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = form.elements.reason.value.trim();
      if (!text) { problem.textContent = "请写明不予处理的原因。"; return; }
      if (!window.confirm("确定不予处理这些问题吗？之后可以在“不予处理”里重新打开。")) { return; }
      send("/dismiss", { rows: rowsWith(c), reason: text }, problem, function () { S.note("已标记为不予处理。"); });
    });
    return form;
  }
})();
