/*
 * 机器人话术: the bot's own replies (greeting, fallback, 转人工 and out-of-hours messages…) as
 * editors reword them. The list shows each reply's state; the editor previews the new wording
 * as a chat bubble while typing (placeholders filled with examples, the checks' messages under
 * it), saves a draft and submits it; another person with the reviewer role sees the change
 * against what citizens read now and approves or returns it; then it is published, and every
 * channel says it within seconds. Part of the staff web app: uses window.Staff from staff.js;
 * builds its DOM inside <section id="wording">.
 */
(function () {
  "use strict";
  var S = window.Staff;
  var el = S.el, api = S.api;

  S.actionNames({ wording_draft: "起草话术" });
  S.tab({ id: "wording", title: "机器人话术", order: 60, load: loadList,
    allowed: function (u) { return S.has(u, "editor") || S.has(u, "reviewer"); } });

  var chosen = null;      // the reply's key
  var shown = null;       // GET /wording/<key>
  var previewTimer = null;

  // ---- the section's DOM ----
  var root = document.getElementById("wording");
  root.appendChild(el("h2", "机器人话术"));
  root.appendChild(el("p", "群众在对话里看到的固定话术。修改经另一位审核人员通过后发布，几秒钟内在所有渠道生效，无需重新训练。" +
    "花括号里的占位符（如 {hotline}）由系统在发送时填入。", { class: "hint" }));
  var listError = root.appendChild(el("p", "", { class: "error", role: "alert" }));
  var split = root.appendChild(el("div", null, { class: "split" }));
  var listSide = split.appendChild(el("div"));
  var table = listSide.appendChild(el("table"));
  var head = table.appendChild(el("thead")).appendChild(el("tr"));
  ["话术", "出现在", "状态"].forEach(function (t) { head.appendChild(el("th", t)); });
  var rows = table.appendChild(el("tbody"));

  var detail = split.appendChild(el("div", null, { hidden: "" }));
  var title = detail.appendChild(el("h3"));
  var where = detail.appendChild(el("p", "", { class: "hint" }));
  var facts = detail.appendChild(el("dl"));
  var status = detail.appendChild(el("div"));

  var review = detail.appendChild(el("div", null, { hidden: "" }));
  review.appendChild(el("h3", "本次修改（与线上话术对比）"));
  var diffBox = review.appendChild(el("div", null, { style: "border:1px solid #e5e6eb;border-radius:6px;padding:8px 10px;margin-bottom:8px;line-height:1.7" }));
  var reviewBubble = bubble(review, "智能助手（修改后预览）");
  var findings = review.appendChild(el("ul", null, { class: "hint" }));
  var reviewForm = review.appendChild(el("form"));
  var comment = reviewForm.appendChild(el("label", "审核意见（退回时必填）")).appendChild(el("textarea", null, { rows: "2", maxlength: "1000" }));
  var reviewActions = reviewForm.appendChild(el("div", null, { class: "inline" }));
  var approve = reviewActions.appendChild(el("button", "审核通过", { type: "button" }));
  var reject = reviewActions.appendChild(el("button", "退回修改", { type: "button", class: "small" }));

  var editor = detail.appendChild(el("form", null, { autocomplete: "off" }));
  var editorHeading = editor.appendChild(el("h3", "修改话术"));
  var taken = editor.appendChild(el("p", "", { class: "notice", hidden: "" }));
  var box = editor.appendChild(el("label", "新话术")).appendChild(el("textarea", null, { rows: "5", maxlength: "4000" }));
  var chips = editor.appendChild(el("div", null, { class: "inline", style: "flex-wrap:wrap;gap:6px;margin:6px 0" }));
  var editBubble = bubble(editor, "智能助手（预览）");
  var problems = editor.appendChild(el("ul", null, { class: "error", role: "alert" }));
  var notes = editor.appendChild(el("ul", null, { class: "hint" }));
  var note = editor.appendChild(el("label", "修改说明（给审核人员看）")).appendChild(el("input", null, { maxlength: "500", placeholder: "如：补充人工服务时间" }));
  var editActions = editor.appendChild(el("div", null, { class: "inline", style: "flex-wrap:wrap;gap:8px;margin-top:8px" }));
  var save = editActions.appendChild(el("button", "保存草稿", { type: "submit" }));
  var submit = editActions.appendChild(el("button", "提交审核", { type: "button" }));
  var withdraw = editActions.appendChild(el("button", "撤回修改", { type: "button", class: "small" }));
  var restore = editActions.appendChild(el("button", "填入默认话术", { type: "button", class: "small" }));

  var publishBox = detail.appendChild(el("div", null, { class: "inline", hidden: "" }));
  var publish = publishBox.appendChild(el("button", "发布", { type: "button" }));
  publishBox.appendChild(el("span", "发布后几秒钟内，所有渠道的群众都会看到新话术。", { class: "hint" }));
  var detailError = detail.appendChild(el("p", "", { class: "error", role: "alert" }));

  detail.appendChild(el("h3", "发布记录"));
  var history = detail.appendChild(el("ul", null, { class: "hint", style: "padding-left:18px" }));

  // ---- helpers ----
  function bubble(parent, who) {
    var lines = parent.appendChild(el("ol", null, { class: "lines" }));
    var li = lines.appendChild(el("li", null, { class: "bot" }));
    li.appendChild(el("span", who, { class: "who" }));
    return li.appendChild(el("span", "", { class: "bubble" }));
  }
  function when(iso) {
    // 2026-12-05 14:30, in China's time whatever the computer is set to
    return iso ? new Date(iso).toLocaleString("sv-SE", { timeZone: "Asia/Shanghai", hour12: false }).slice(0, 16) : "—";
  }
  function me() { return S.user(); }
  function fill(list, messages) {
    list.textContent = "";
    (messages || []).forEach(function (m) { list.appendChild(el("li", m)); });
  }
  function stateOf(reply) {
    if (reply.revision) { return reply.revision.status_name + "（" + reply.revision.author + "）"; }
    return reply.edited ? "已修改 · 第" + reply.version + "版" : "默认";
  }

  // ---- the list ----
  function loadList() {
    listError.textContent = "";
    api("GET", "/wording").then(function (r) {
      if (r.status !== 200) { listError.textContent = r.data.message || "话术没有加载出来，请刷新重试。"; return; }
      rows.textContent = "";
      r.data.replies.forEach(function (reply) {
        var tr = el("tr", null, { class: "pick" + (reply.key === chosen ? " chosen" : "") });
        tr.appendChild(el("td", reply.name));
        tr.appendChild(el("td", reply.where, { class: "muted" }));
        tr.appendChild(el("td", stateOf(reply), { style: "white-space:nowrap" }));
        tr.addEventListener("click", function () { chosen = reply.key; loadList(); });
        rows.appendChild(tr);
      });
      if (chosen) { loadDetail(); }
    });
  }

  // ---- one reply ----
  function loadDetail() {
    detailError.textContent = "";
    api("GET", "/wording/" + encodeURIComponent(chosen)).then(function (r) {
      if (r.status !== 200) { detailError.textContent = r.data.message || "这段话术没有加载出来。"; return; }
      shown = r.data;
      render();
    });
  }

  function render() {
    var d = shown, rev = d.revision, user = me();
    var isEditor = S.has(user, "editor"), isReviewer = S.has(user, "reviewer");
    var mine = rev && rev.author === user.username;
    detail.hidden = false;
    title.textContent = d.name;
    where.textContent = d.where + " · 默认话术在 " + d.source +
      (d.variations > 1 ? "（原有" + d.variations + "种说法，修改后统一为一种）" : "");

    facts.textContent = "";
    [["线上话术", d.current],
     ["版本", d.edited ? "第" + d.version + "版 · " + d.published_by + " 于 " + when(d.published_at) + " 发布" : "默认话术（未修改）"]
    ].forEach(function (pair) { facts.appendChild(el("dt", pair[0])); facts.appendChild(el("dd", pair[1], { style: "white-space:pre-wrap" })); });

    status.textContent = "";
    if (rev) {
      var line = "修改状态：" + rev.status_name + " · 作者 " + rev.author + " · 更新于 " + when(rev.updated_at);
      if (rev.reviewer) { line += " · 审核 " + rev.reviewer; }
      status.appendChild(el("p", line));
      if (rev.review_comment) { status.appendChild(el("p", "审核意见：" + rev.review_comment, { class: "notice" })); }
      if (rev.note) { status.appendChild(el("p", "修改说明：" + rev.note, { class: "hint" })); }
    }

    // the reviewer's part: the change against what is said now
    var reviewing = rev && rev.status === "submitted" && isReviewer && !mine;
    review.hidden = !(rev && rev.status !== "draft");
    reviewForm.hidden = !reviewing;
    if (rev && d.diff) { renderDiff(d.diff.lines); }
    if (d.preview) { reviewBubble.textContent = d.preview.text; }
    fill(findings, (rev && rev.findings || []).map(function (f) { return (f.blocking ? "需处理：" : "请留意：") + f.message; }));
    comment.value = "";

    // the editor's part
    editor.hidden = !isEditor;
    var lockedByOther = rev && !mine;
    taken.hidden = !lockedByOther;
    taken.textContent = lockedByOther ? rev.author + " 正在修改这段话术（" + rev.status_name + "），请等其发布或撤回后再改。" : "";
    box.readOnly = !!lockedByOther;
    box.value = rev ? rev.body : d.current;
    note.value = rev && rev.note || "";
    editorHeading.textContent = rev && mine ? "我的修改" : "修改话术";
    save.hidden = restore.hidden = !!lockedByOther;
    submit.hidden = !!lockedByOther || !!(rev && rev.status !== "draft" && rev.status !== "rejected");
    withdraw.hidden = !mine;
    chips.textContent = "";
    d.placeholders.forEach(function (p) {
      var chip = el("button", "{" + p.name + "}" + (p.required ? " 必填" : ""), { type: "button", class: "small", title: p.meaning + "，例如：" + p.sample });
      chip.disabled = !!lockedByOther;
      chip.addEventListener("click", function () {
        box.setRangeText("{" + p.name + "}", box.selectionStart, box.selectionEnd, "end");
        box.focus();
        schedulePreview();
      });
      chips.appendChild(chip);
    });
    chips.insertBefore(el("span", "插入占位符：", { class: "hint" }), chips.firstChild);

    publishBox.hidden = !(rev && rev.status === "approved" && (isEditor || isReviewer));

    history.textContent = "";
    (d.history || []).forEach(function (h) {
      history.appendChild(el("li", when(h.published_at) + " · 第" + h.published_version + "版 · " + h.author + " 修改，" +
        (h.reviewer || "—") + " 审核" + (h.note ? " · " + h.note : "")));
    });
    if (!(d.history || []).length) { history.appendChild(el("li", "还没有发布过修改。")); }
    schedulePreview(0);
  }

  function renderDiff(lines) {
    diffBox.textContent = "";
    lines.forEach(function (row) {
      if (row.op === "gap") { diffBox.appendChild(el("div", "……", { class: "hint" })); return; }
      var styles = { del: "background:#fff1f0", add: "background:#f6ffed", same: "" };
      var line = el("div", null, { style: "white-space:pre-wrap;" + styles[row.op] });
      line.appendChild(el("span", row.op === "del" ? "原：" : row.op === "add" ? "新：" : "　　", { class: "hint" }));
      (row.segments || [[row.text, false]]).forEach(function (seg) {
        if (!seg[1] || row.op === "same") { line.appendChild(document.createTextNode(seg[0])); return; }
        line.appendChild(el(row.op === "del" ? "del" : "ins", seg[0], {
          style: row.op === "del" ? "background:#ffccc7" : "background:#b7eb8f;text-decoration:none"
        }));
      });
      diffBox.appendChild(line);
    });
  }

  // ---- live preview ----
  function schedulePreview(delay) {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(runPreview, delay === undefined ? 250 : delay);
  }
  function runPreview() {
    if (!chosen) { return; }
    var key = chosen, text = box.value;
    api("POST", "/wording/preview", { key: key, text: text }).then(function (r) {
      if (key !== chosen || text !== box.value) { return; }  // typed on meanwhile
      if (r.status !== 200) { fill(problems, [r.data.message || "预览没有成功。"]); return; }
      editBubble.textContent = r.data.text;
      fill(problems, r.data.problems);
      fill(notes, (r.data.notes || []).map(function (n) { return "请留意：" + n; }));
    });
  }
  box.addEventListener("input", function () { schedulePreview(); });

  // ---- the steps ----
  function step(id, name, body) {
    detailError.textContent = "";
    return api("POST", "/revisions/" + id + "/" + name, body || {}).then(function (r) {
      if (r.status !== 200) { detailError.textContent = r.data.message || "操作没有成功，请重试。"; return null; }
      return r;
    });
  }
  function saveDraft() {
    detailError.textContent = "";
    return api("POST", "/wording/" + encodeURIComponent(chosen) + "/draft", { text: box.value, note: note.value.trim() })
      .then(function (r) {
        if (r.status !== 200) { detailError.textContent = r.data.message || "草稿没有保存成功。"; return null; }
        return r.data.revision;
      });
  }
  editor.addEventListener("submit", function (event) {
    event.preventDefault();
    saveDraft().then(function (rev) { if (rev) { S.note("草稿已保存。写好后请点“提交审核”。"); loadList(); } });
  });
  submit.addEventListener("click", function () {
    var unchanged = shown.revision && box.value === shown.revision.body && note.value.trim() === (shown.revision.note || "");
    (unchanged ? Promise.resolve(shown.revision) : saveDraft()).then(function (rev) {
      if (!rev) { return; }
      step(rev.id, "submit").then(function (r) { if (r) { S.note("已提交审核，请另一位审核人员审核。"); } loadList(); });
    });
  });
  withdraw.addEventListener("click", function () {
    if (!window.confirm("撤回后这份修改作废，线上话术不变。确定撤回吗？")) { return; }
    step(shown.revision.id, "withdraw").then(function () { loadList(); });
  });
  restore.addEventListener("click", function () { box.value = shown.default; schedulePreview(0); });
  approve.addEventListener("click", function () {
    step(shown.revision.id, "approve", { comment: comment.value.trim() }).then(function (r) {
      if (r) { S.note("已审核通过，可以发布了。"); } loadList();
    });
  });
  reject.addEventListener("click", function () {
    if (!comment.value.trim()) { detailError.textContent = "退回时请写明原因，方便编辑修改。"; comment.focus(); return; }
    step(shown.revision.id, "reject", { comment: comment.value.trim() }).then(function () { loadList(); });
  });
  publish.addEventListener("click", function () {
    if (!window.confirm("发布后几秒钟内，所有渠道的群众都会看到新话术。确定发布吗？")) { return; }
    step(shown.revision.id, "publish").then(function (r) {
      if (r) { S.note(r.data.revision.changed === false ? "已发布（与线上话术相同，群众看到的没有变化）。" : "已发布，几秒钟内生效。"); }
      loadList();
    });
  });
})();
