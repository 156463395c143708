/*
 * 知识库 (the editors' workbench): the documents with their Markdown, linked questions and a live
 * preview as citizens will see them; review before publish with a readable diff and the
 * consistency findings; hit testing, one question or a whole list, before and after a draft;
 * the sections whose 有效期 ends soon. Part of the staff web app (uses window.Staff from
 * staff.js); talks to /staff/api/kb… and /staff/api/revisions… (console/knowledge.py).
 * Another tab opens a document with: window.dispatchEvent(new CustomEvent("banshi:open-document",
 * { detail: { source, heading?, question? } })).
 */
(function () {
  "use strict";
  var S = window.Staff;
  var $ = S.$, el = S.el, show = S.show, api = S.api;

  S.actionNames({
    kb_draft: "保存草稿", kb_submit: "提交审核", kb_approve: "审核通过", kb_reject: "退回修改",
    kb_withdraw: "撤回修改", kb_publish: "发布", kb_publish_scheduled: "定时发布", kb_rollback: "回滚版本",
    kb_import: "导入文件", kb_import_refused: "导入被拒", kb_bulk_test: "批量命中测试", kb_expired: "内容到期",
    kb_refused: "操作被拒"
  });
  S.tab({ id: "knowledge", title: "知识库", order: 50, load: load,
    allowed: function (u) { return S.has(u, "editor") || S.has(u, "reviewer"); } });

  var DOC_STATUS = { published: "已发布", draft: "草稿（未发布）", retired: "已下线", "new": "新建（未发布）" };
  var KINDS = { section: "正文", materials: "材料", faq: "问答" };
  var REVISION_KINDS = { document: "知识库文档", wording: "机器人话术" };
  var OPEN = ["draft", "submitted", "approved", "rejected"];
  var DECISIONS = { answer: "答复", suggest: "推荐", abstain: "拒答" };
  var FINDINGS = { time_limit: "办理时限", fee: "收费", materials: "申请材料", address: "地址", phone: "电话",
    orphan_question: "关联问题" };
  var MODES = { dense: "语义向量", bm25: "关键词（BM25）", hybrid: "混合（线上使用）" };
  var METRICS = [["recall_at_1", "Recall@1"], ["recall_at_5", "Recall@5"], ["mrr", "MRR"],
    ["abstain_precision", "拒答准确率"], ["abstain_recall", "拒答召回率"]];
  var VIEWS = ["kb-docs", "kb-editor", "kb-review", "kb-hits", "kb-expiry"];
  var PREVIEW_DELAY_MS = 400;
  var SHOWN_OPEN = 3;       // question groups up to this size start open

  var lookups = null;       // {services, departments, statuses} from the document list
  var pending = null;       // a document another tab asked to open before this tab was shown
  var doc = null;           // the open document: {source, data, revision}
  var canEdit = false;
  var phrasings = {};       // heading → linked questions, as the editor will save them
  var headings = [];        // the sections of the text being edited, in reading order
  var orphans = {};         // linked questions whose heading is gone (from /kb/preview)
  var opened = {};          // question groups the editor has opened
  var previewTimer = null;
  var dirty = false;        // the editor holds changes not yet saved
  var chosenRevision = null;

  // ---------------------------------------------------------------- small helpers

  function enc(value) { return encodeURIComponent(value || ""); }
  function clear(node) { node.textContent = ""; return node; }
  function me() { return S.user(); }
  function isEditor() { return S.has(me(), "editor"); }
  function isReviewer() { return S.has(me(), "reviewer"); }
  function last(list) { return list[list.length - 1]; }
  function copy(value) { return JSON.parse(JSON.stringify(value || {})); }
  function node(target) { return typeof target === "string" ? $(target) : target; }
  function failed(target, r, fallback) { node(target).textContent = r.data.message || fallback; }
  function told(text) { S.note(text); $("kb-edit-done").textContent = text; }

  function china(iso, withTime) {
    if (!iso) { return "—"; }
    var parts = {};
    new Intl.DateTimeFormat("zh-CN", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso))
      .forEach(function (p) { parts[p.type] = p.value; });
    var day = parts.year + "-" + parts.month + "-" + parts.day;
    return withTime === false ? day : day + " " + parts.hour + ":" + parts.minute;
  }
  function today() { return china(new Date().toISOString(), false); }

  function badge(text, kind) { return el("span", text, { class: "wb-badge is-" + kind }); }
  function button(label, onClick, cls) {
    var b = el("button", label, { type: "button", class: cls === undefined ? "small" : cls });
    b.addEventListener("click", onClick);
    return b;
  }
  function linkButton(label, onClick) { return button(label, onClick, "link"); }
  function cell(tr, content) {
    var td = el("td");
    if (content instanceof Node) { td.appendChild(content); } else { td.textContent = content === null || content === undefined ? "" : String(content); }
    tr.appendChild(td);
    return td;
  }
  function fill(select, options, first) {
    var keep = select.value;
    clear(select);
    if (first) { select.appendChild(el("option", first, { value: "" })); }
    Object.keys(options).forEach(function (k) { select.appendChild(el("option", options[k], { value: k })); });
    select.value = keep;
    if (select.selectedIndex < 0) { select.selectedIndex = 0; }
  }
  function byName(list) { var out = {}; list.forEach(function (n) { out[n] = n; }); return out; }
  function working(box, text) { clear(box).appendChild(el("p", text, { class: "hint", role: "status" })); }

  function confirmDialog(message, yes) {
    return new Promise(function (resolve) {
      var dialog = el("dialog", null, { class: "wb-dialog", "aria-label": "请确认" });
      dialog.appendChild(el("p", message));
      var bar = el("div", null, { class: "wb-bar wb-end" });
      function done(answer) { dialog.close(); dialog.remove(); resolve(answer); }
      bar.appendChild(button("取消", function () { done(false); }));
      bar.appendChild(button(yes || "确定", function () { done(true); }, ""));
      dialog.appendChild(bar);
      dialog.addEventListener("cancel", function (event) { event.preventDefault(); done(false); });
      document.body.appendChild(dialog);
      dialog.showModal();
    });
  }

  // multipart uploads (Staff.api speaks JSON): the session's CSRF token comes from /me
  function upload(path, form) {
    return api("GET", "/me").then(function (session) {
      if (session.status !== 200) { return session; }
      return fetch("/staff/api" + path, {
        method: "POST", body: form, credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": session.data.csrf_token }
      }).then(function (answer) {
        return answer.json().catch(function () { return {}; }).then(function (data) { return { status: answer.status, data: data }; });
      }, function () { return { status: 0, data: { message: "网络连接失败，请检查网络后重试。" } }; });
    });
  }

  // ---------------------------------------------------------------- the inner navigation

  var LOADERS = { "kb-docs": loadDocuments, "kb-review": loadRevisions, "kb-hits": prepareHitTest, "kb-expiry": loadExpiries };
  function showView(id) {
    VIEWS.forEach(function (v) { show(v, v === id); });
    var current = id === "kb-editor" ? "kb-docs" : id;
    Array.prototype.forEach.call($("kb-nav").querySelectorAll("button"), function (b) {
      if (b.getAttribute("data-view") === current) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
    });
    $("kb-error").textContent = "";
    S.note("");  // the last step's message belongs to the view it was taken in
  }
  function go(id) { showView(id); LOADERS[id](); }
  function leaveEditor() {
    if (!dirty || $("kb-editor").hidden) { return Promise.resolve(true); }
    return confirmDialog("这份文档有还没保存的修改，离开后这些修改会丢失。确定离开吗？", "放弃修改并离开");
  }
  function leaveTo(id) {
    leaveEditor().then(function (yes) { if (yes) { dirty = false; go(id); } });
  }
  $("kb-nav").addEventListener("click", function (event) {
    var b = event.target.closest("button[data-view]");
    if (b) { leaveTo(b.getAttribute("data-view")); }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && S.isOpen("knowledge") && !$("kb-editor").hidden) { event.preventDefault(); }
  });

  // Each time the tab is shown: the view left open is refreshed, except an editor, whose text
  // stays as it was (coming back from another tab loses nothing).
  function load() {
    countSubmitted();
    var wanted = pending, current = VIEWS.filter(function (v) { return !$(v).hidden; })[0] || "kb-docs";
    pending = null;
    if (wanted) {
      leaveEditor().then(function (yes) { if (yes) { openDocument(wanted.source, wanted); } });
      return;
    }
    if (current !== "kb-editor") { go(current); }
  }

  window.addEventListener("banshi:open-document", function (event) {
    var detail = event.detail || {};
    if (!detail.source) { return; }
    pending = { source: detail.source, heading: detail.heading, question: detail.question };
    var tab = document.querySelector('#tabs button[data-tab="knowledge"]');
    if (tab) { tab.click(); }
  });

  function countSubmitted() {
    api("GET", "/revisions?status=submitted").then(function (r) {
      if (r.status !== 200) { return; }
      var n = r.data.revisions.length;
      $("kb-review-count").textContent = String(n);
      $("kb-review-count").setAttribute("aria-label", n + " 份待审核");
      show("kb-review-count", n > 0);
    });
  }

  function remember(data) {
    lookups = { services: data.services, departments: data.departments, statuses: data.statuses };
    var f = $("kb-filter").elements;
    fill(f.service, data.services, "全部事项");
    fill(f.department, byName(data.departments), "全部部门");
    fill(f.status, data.statuses, "全部状态");
    fill($("kb-hit-form").elements.service, data.services, "不限事项");
    fill($("kb-expiry-filter").elements.department, byName(data.departments), "全部部门");
  }
  function loadLookups() {
    if (lookups) { return Promise.resolve(lookups); }
    return api("GET", "/kb/documents?status=retired").then(function (r) {
      if (r.status === 200) { remember(r.data); }
      return lookups;
    });
  }

  // ---------------------------------------------------------------- 文档: the list

  function documentQuery() {
    var f = $("kb-filter").elements;
    return "?" + ["q", "service", "department", "status", "from", "to"].map(function (k) {
      return k + "=" + enc(f[k].value.trim());
    }).join("&");
  }
  function loadDocuments(event) {
    if (event && event.preventDefault) { event.preventDefault(); }
    $("kb-error").textContent = "";
    return api("GET", "/kb/documents" + documentQuery()).then(function (r) {
      if (r.status !== 200) { failed("kb-error", r, "文档列表没有加载出来，请稍后重试。"); return; }
      remember(r.data);
      var rows = clear($("kb-doc-rows"));
      r.data.documents.forEach(function (d) { rows.appendChild(documentRow(d)); });
      show("kb-doc-empty", r.data.documents.length === 0);
    });
  }
  function departmentsText(list) {
    if (!list.length) { return "—"; }
    return list.length > 1 ? list[0] + " 等" + list.length + "个" : list[0];
  }
  function revisionBadge(revision) {
    var span = el("span", null, { class: "wb-nowrap" });
    span.appendChild(badge(revision.status_name, revision.status));
    span.appendChild(document.createTextNode(" " + revision.author));
    return span;
  }
  function documentRow(d) {
    var tr = el("tr");
    cell(tr, linkButton(d.title, function () { openDocument(d.source); }));
    cell(tr, d.source).className = "wb-muted wb-break";
    cell(tr, lookups.services[d.service_code] || "—");
    cell(tr, departmentsText(d.departments)).title = d.departments.join("、");
    cell(tr, badge(DOC_STATUS[d.status] || d.status, d.status));
    cell(tr, d.version ? "第" + d.version + "版" : "—").className = "wb-nowrap";
    cell(tr, china(d.changed_at)).className = "wb-nowrap";
    cell(tr, d.units);
    cell(tr, d.revision ? revisionBadge(d.revision) : "—");
    return tr;
  }
  $("kb-filter").addEventListener("submit", loadDocuments);
  $("kb-new").addEventListener("click", function () { openNew(); });

  // ---------------------------------------------------------------- 文档: importing a file

  $("kb-import-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, file = form.elements.file.files[0], box = $("kb-import");
    show("kb-import", true);
    if (!file) { clear(box).appendChild(el("p", "请先选择要导入的文件。", { class: "error", role: "alert" })); return; }
    working(box, "正在读取“" + file.name + "”并切分条目……");
    upload("/kb/import", new FormData(form)).then(function (r) {
      clear(box);
      box.appendChild(importHead(file.name, r));
      if (r.status === 200) { r.data.documents.forEach(function (d) { box.appendChild(importedCard(d)); }); }
    });
  });
  function importHead(name, r) {
    var head = el("div", null, { class: "wb-bar wb-between" });
    var ok = r.status === 200;
    head.appendChild(el("p", ok ? "“" + name + "”转换为 " + r.data.documents.length + " 份文档。请检查切分出的条目，再保存为草稿。"
      : (r.data.message || "文件没有导入成功。"), ok ? { class: "wb-strong" } : { class: "error", role: "alert" }));
    head.appendChild(button("关闭", function () { show("kb-import", false); }));
    return head;
  }
  function importedCard(d) {
    var card = el("div", null, { class: "wb-imported" });
    card.appendChild(el("h4", d.title + "（" + d.units.length + " 个条目）"));
    var list = el("ol", null, { class: "wb-chunks is-short" });
    d.units.forEach(function (u) { list.appendChild(unitBubble(u)); });
    card.appendChild(list);
    var error = el("p", "", { class: "error", role: "alert" });
    var bar = el("div", null, { class: "wb-bar" });
    bar.appendChild(button("保存为草稿", function () { saveImported(d, bar, error); }, ""));
    bar.appendChild(button("在编辑器中打开", function () { openNew(d.markdown, d.phrasings); }));
    card.appendChild(bar);
    card.appendChild(error);
    return card;
  }
  function saveImported(d, bar, error) {
    error.textContent = "";
    api("POST", "/kb/drafts", { source: null, body: d.markdown, phrasings: d.phrasings, note: "导入文件" }).then(function (r) {
      if (r.status !== 200) { failed(error, r, "没有保存成功，请稍后重试。"); return; }
      var source = r.data.revision.target;
      clear(bar).appendChild(el("span", "已保存为草稿（" + source + "）。", { class: "wb-strong" }));
      bar.appendChild(button("打开", function () { openDocument(source); }));
      loadDocuments();
    });
  }

  // ---------------------------------------------------------------- 文档: the editor

  function template() {
    return "---\ntitle: 请填写文档标题\nlead_department: 示例市××局\nupdated: " + today() + "\n---\n\n" +
      "# 请填写文档标题\n\n## 事项简介\n\n请在这里写群众需要知道的内容。每个“## 标题”下的文字会成为机器人可以引用的条目。\n";
  }
  function openDocument(source, options) {
    if (!(options && options.keepError)) { $("kb-edit-error").textContent = ""; }
    return api("GET", "/kb/document?source=" + enc(source)).then(function (r) {
      if (r.status !== 200) { go("kb-docs"); failed("kb-error", r, "文档没有打开，请稍后重试。"); return; }
      startEditing(r.data, options || {});
    });
  }
  function openNew(markdown, linked) {
    $("kb-edit-error").textContent = "";
    startEditing({ source: null, document: null, revision: null, versions: [],
      text: { body: markdown || template(), phrasings: linked || {} } }, {});
  }
  function reopen() { return doc.source ? openDocument(doc.source, { keepError: true }) : Promise.resolve(); }

  function startEditing(data, options) {
    var revision = data.revision;
    var text = revision ? { body: revision.body, phrasings: (revision.data || {}).phrasings } : data.text;
    doc = { source: data.source, data: data, revision: revision };
    phrasings = copy(text.phrasings);
    orphans = {};
    opened = {};
    dirty = false;
    $("kb-body").value = text.body;
    $("kb-note").value = (revision && revision.note) || "";
    $("kb-effective").value = (revision && revision.effective) || "";
    showView("kb-editor");
    $("kb-edit-done").textContent = "";
    renderEditorHead();
    renderVersions();
    clear($("kb-version-diff"));
    if (options.question && addQuestion(options.heading, options.question)) {
      dirty = true;
      told("已把“" + options.question + "”加到“" + options.heading + "”的关联问题里，请检查后点“保存草稿”。");
    }
    refreshPreview().then(function () { if (options.heading) { goToHeading(options.heading); } });
  }

  function renderEditorHead() {
    var d = doc.data.document, r = doc.revision;
    $("kb-doc-title").textContent = d ? d.title : (r ? r.title : "新建文档");
    $("kb-doc-facts").textContent = d
      ? [d.source, "第" + d.version + "版", DOC_STATUS[d.status] || d.status, d.units + " 个条目", "修改于 " + china(d.changed_at)].join(" · ")
      : (doc.source ? doc.source + " · 尚未发布" : "保存草稿后生成文档编号；审核通过并发布后，群众才能看到。");
    var banner = revisionBanner(r);
    $("kb-doc-banner").textContent = banner;
    show("kb-doc-banner", !!banner);
    var mine = !r || r.author === me().username;
    canEdit = isEditor() && mine;
    $("kb-body").readOnly = !canEdit;
    show("kb-edit-actions", isEditor());
    show("kb-edit-fields", isEditor());
    show("kb-q-adder", canEdit);
    $("kb-save").disabled = $("kb-submit").disabled = !canEdit;
    show("kb-withdraw", !!r && mine && isEditor());
    show("kb-retire", isEditor() && !r && !!d && d.status === "published");
  }
  function revisionBanner(r) {
    if (!r) { return ""; }
    var mine = r.author === me().username, who = mine ? "您" : r.author;
    var what = r.retire ? "申请下线这份文档" : doc.data.document ? "修改了这份文档" : "新建了这份文档";
    var texts = {
      draft: who + what + "，草稿尚未提交审核。",
      submitted: who + what + "，已于 " + china(r.submitted_at) + " 提交，等待审核。" + (mine ? "再次保存会退回草稿状态，需要重新提交。" : ""),
      approved: who + "的修改已由 " + r.reviewer + " 审核通过，" + (r.effective ? "将于 " + r.effective + " 自动发布。" : "可以在“审核”里发布。") +
        (mine ? "再次保存会撤销审核结果，需要重新提交。" : ""),
      rejected: who + "的修改被 " + r.reviewer + " 退回：" + (r.review_comment || "（未写原因）") + " 请修改后重新提交。"
    };
    return (texts[r.status] || "") + (mine ? "" : "在其发布或撤回之前，其他人不能修改这份文档。");
  }

  // ---- live preview

  function schedulePreview() {
    clearTimeout(previewTimer);
    $("kb-preview-state").textContent = "正在更新预览……";
    previewTimer = setTimeout(refreshPreview, PREVIEW_DELAY_MS);
  }
  function refreshPreview() {
    var body = $("kb-body").value;
    return api("POST", "/kb/preview", { body: body, phrasings: phrasings }).then(function (r) {
      if (body !== $("kb-body").value) { return; }  // a newer preview is on its way
      if (r.status !== 200) { $("kb-preview-state").textContent = r.data.message || "预览没有成功。"; return; }
      $("kb-preview-state").textContent = "预览已更新：切分为 " + r.data.units.length + " 个条目。";
      $("kb-page").innerHTML = r.data.html;  // rendered by the console with raw HTML disabled
      renderUnits(r.data.units);
      orphans = r.data.orphans || {};
      setHeadings(r.data.units);
      renderQuestions();
    });
  }
  $("kb-body").addEventListener("input", function () { dirty = true; schedulePreview(); });
  ["kb-note", "kb-effective"].forEach(function (id) { $(id).addEventListener("input", function () { dirty = true; }); });

  function showUnits(on) {
    show("kb-units", on);
    show("kb-page", !on);
    $("kb-show-units").setAttribute("aria-pressed", String(on));
    $("kb-show-page").setAttribute("aria-pressed", String(!on));
  }
  $("kb-show-page").addEventListener("click", function () { showUnits(false); });
  $("kb-show-units").addEventListener("click", function () { showUnits(true); });

  function renderUnits(units) {
    $("kb-unit-count").textContent = "（" + units.length + "）";
    var list = clear($("kb-units"));
    units.forEach(function (u) { list.appendChild(unitBubble(u)); });
  }
  function unitBubble(u) {
    var li = el("li", null, { class: "wb-chunk", "data-heading": last(u.heading_path) || "" });
    li.appendChild(el("div", u.heading_path.join(" › "), { class: "wb-chunk-path" }));
    li.appendChild(el("div", u.text, { class: "wb-bubble" }));
    var meta = el("div", null, { class: "wb-chunk-meta" });
    meta.appendChild(badge(KINDS[u.kind] || u.kind, u.kind));
    meta.appendChild(el("span", u.chars + " 字"));
    if (u.effective || u.expires) { meta.appendChild(validityBadge(u)); }
    if (u.phrasings && u.phrasings.length) { meta.appendChild(el("span", u.phrasings.length + " 个关联问题")); }
    li.appendChild(meta);
    return li;
  }
  function validityBadge(u) {
    if (u.expires && u.expires < today()) { return badge("已过期（有效期至 " + u.expires + "），不再引用", "expired"); }
    if (u.effective && u.effective > today()) { return badge(u.effective + " 起施行", "dated"); }
    return badge(u.expires ? "有效期至 " + u.expires : u.effective + " 起施行", "dated");
  }

  function goToHeading(heading) {
    showUnits(true);
    if (headings.indexOf(heading) >= 0) { $("kb-q-heading").value = heading; }
    Array.prototype.forEach.call($("kb-units").children, function (li) {
      li.classList.toggle("is-focus", li.getAttribute("data-heading") === heading);
    });
    var focus = $("kb-units").querySelector(".is-focus");
    if (focus) { $("kb-units").scrollTop = focus.offsetTop - $("kb-units").offsetTop - 8; }
    scrollSourceTo(heading);
  }
  function scrollSourceTo(heading) {
    var area = $("kb-body"), text = area.value;
    var at = text.search(new RegExp("^#{2,6}[ \\t]+.*" + heading.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "m"));
    if (at < 0) { return; }
    var end = text.indexOf("\n", at);
    area.value = text.slice(0, at);  // the height of the text above the heading, wrapped as shown
    var above = area.scrollHeight;
    area.value = text;
    area.focus();
    area.setSelectionRange(at, end < 0 ? text.length : end);
    area.scrollTop = Math.max(0, above - 48);
    $("kb-editor").scrollIntoView({ block: "start" });
  }

  // ---- linked questions (关联问题)

  function setHeadings(units) {
    var seen = [];
    units.forEach(function (u) { var h = last(u.heading_path); if (h && seen.indexOf(h) < 0) { seen.push(h); } });
    headings = seen;
    var select = $("kb-q-heading"), keep = select.value;
    clear(select);
    seen.forEach(function (h) { select.appendChild(el("option", h, { value: h })); });
    if (seen.indexOf(keep) >= 0) { select.value = keep; }
  }
  function renderQuestions() {
    renderOrphans();
    var box = clear($("kb-q-groups"));
    var shown = Object.keys(phrasings).filter(function (h) { return !orphans[h] && phrasings[h].length; });
    shown.sort(function (a, b) { return headings.indexOf(a) - headings.indexOf(b); });
    shown.forEach(function (h) { box.appendChild(questionGroup(h)); });
    if (!shown.length) { box.appendChild(el("p", Object.keys(orphans).length ? "现有章节还没有关联问题。" : "还没有关联问题。", { class: "hint" })); }
  }
  function questionGroup(heading) {
    var list = phrasings[heading];
    var group = el("details", null, { class: "wb-qgroup" });
    group.open = heading in opened ? opened[heading] : list.length <= SHOWN_OPEN;
    group.addEventListener("toggle", function () { opened[heading] = group.open; });
    group.appendChild(el("summary", heading + "（" + list.length + " 个问题）"));
    var chips = el("ul", null, { class: "wb-chips" });
    list.forEach(function (q) { chips.appendChild(questionChip(heading, q)); });
    group.appendChild(chips);
    return group;
  }
  function questionChip(heading, question) {
    var li = el("li", question);
    if (canEdit) {
      li.appendChild(button("×", function () { removeQuestion(heading, question); }, "wb-chip-x"))
        .setAttribute("aria-label", "删除关联问题：" + question);
    }
    return li;
  }
  function addQuestion(heading, question) {
    var text = (question || "").trim();
    if (!heading || !text) { return false; }
    var list = phrasings[heading] = phrasings[heading] || [];
    if (list.indexOf(text) < 0) { list.push(text); }
    opened[heading] = true;
    return true;
  }
  function removeQuestion(heading, question) {
    phrasings[heading] = phrasings[heading].filter(function (q) { return q !== question; });
    if (!phrasings[heading].length) { delete phrasings[heading]; delete orphans[heading]; }
    questionsChanged();
  }
  function questionsChanged() { dirty = true; renderQuestions(); schedulePreview(); }
  $("kb-q-add").addEventListener("click", function () {
    if (addQuestion($("kb-q-heading").value, $("kb-q-text").value)) { $("kb-q-text").value = ""; questionsChanged(); }
  });
  $("kb-q-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); $("kb-q-add").click(); }
  });

  function renderOrphans() {
    var box = clear($("kb-orphans"));
    Object.keys(orphans).filter(function (h) { return phrasings[h]; }).forEach(function (h) { box.appendChild(orphanCard(h)); });
  }
  function orphanCard(heading) {
    var card = el("div", null, { class: "wb-orphan", role: "group", "aria-label": "失去章节的关联问题" });
    card.appendChild(el("p", "章节“" + heading + "”已不在正文中，下面 " + phrasings[heading].length +
      " 个关联问题暂时不起作用（不会被丢弃）。请改挂到现有章节，或删除："));
    var chips = el("ul", null, { class: "wb-chips" });
    phrasings[heading].forEach(function (q) { chips.appendChild(el("li", q)); });
    card.appendChild(chips);
    if (canEdit) { card.appendChild(orphanActions(heading)); }
    return card;
  }
  function orphanActions(heading) {
    var bar = el("div", null, { class: "wb-bar" });
    var label = el("label", "改挂到…");
    var select = el("select");
    select.appendChild(el("option", "请选择章节", { value: "" }));
    headings.forEach(function (h) { select.appendChild(el("option", h, { value: h })); });
    label.appendChild(select);
    bar.appendChild(label);
    bar.appendChild(button("改挂", function () {
      if (select.value) { moveQuestions(heading, select.value); } else { select.focus(); }
    }));
    bar.appendChild(button("删除这些问题", function () { delete phrasings[heading]; delete orphans[heading]; questionsChanged(); }));
    return bar;
  }
  function moveQuestions(from, to) {
    if (!to) { return; }
    phrasings[from].forEach(function (q) { addQuestion(to, q); });
    delete phrasings[from];
    delete orphans[from];
    questionsChanged();
  }

  // ---- saving, submitting, withdrawing, retiring

  function draftFields() {
    return { source: doc.source, body: $("kb-body").value, phrasings: phrasings,
      note: $("kb-note").value.trim(), effective: $("kb-effective").value.trim() };
  }
  function saveDraft() {
    $("kb-edit-error").textContent = "";
    return api("POST", "/kb/drafts", draftFields()).then(function (r) {
      if (r.status !== 200) { failed("kb-edit-error", r, "草稿没有保存成功，请稍后重试。"); return null; }
      doc.source = r.data.revision.target;
      dirty = false;
      return r.data.revision;
    });
  }
  function step(id, name, body, errorBox) {
    return api("POST", "/revisions/" + id + "/" + name, body || {}).then(function (r) {
      if (r.status !== 200) { failed(errorBox, r, "操作没有成功，请稍后重试。"); return null; }
      return r.data.revision;
    });
  }
  $("kb-save").addEventListener("click", function () {
    saveDraft().then(function (revision) {
      if (!revision) { return; }
      reopen().then(function () { told("草稿已保存（" + china(revision.updated_at) + "）。提交审核后，审核人员才能看到。"); });
    });
  });
  $("kb-submit").addEventListener("click", function () {
    saveDraft().then(function (revision) {
      return revision && step(revision.id, "submit", {}, "kb-edit-error");
    }).then(function (submitted) {
      reopen().then(function () { if (submitted) { told("已提交审核。审核通过后即可发布。"); } });
    });
  });
  $("kb-withdraw").addEventListener("click", function () {
    confirmDialog("撤回后，这份修改不再进入审核，已保存的内容也将作废。确定撤回吗？", "撤回修改").then(function (yes) {
      if (!yes) { return; }
      step(doc.revision.id, "withdraw", {}, "kb-edit-error").then(function (done) {
        if (!done) { return; }
        if (!doc.data.document) { go("kb-docs"); S.note("已撤回修改。"); return; }
        reopen().then(function () { told("已撤回修改。"); });
      });
    });
  });
  $("kb-retire").addEventListener("click", function () {
    var title = doc.data.document.title;
    confirmDialog("下线后群众将看不到《" + title + "》，机器人也不再引用它。下线同样要审核通过后发布才生效。确定提交下线申请吗？", "提交下线申请")
      .then(function (yes) { if (yes) { retire(); } });
  });
  function retire() {
    api("POST", "/kb/drafts", { source: doc.source, retire: true, body: "", note: $("kb-note").value.trim() || "申请下线" })
      .then(function (r) {
        if (r.status !== 200) { failed("kb-edit-error", r, "下线申请没有提交成功。"); return null; }
        return step(r.data.revision.id, "submit", {}, "kb-edit-error");
      }).then(function (done) {
        reopen().then(function () { if (done) { told("已提交下线申请，审核通过并发布后生效。"); } });
      });
  }
  $("kb-back").addEventListener("click", function () { leaveTo("kb-docs"); });

  // ---- versions: compare, roll back

  function renderVersions() {
    var versions = doc.data.versions || [];
    var current = doc.data.document ? doc.data.document.version : null;
    show("kb-history", versions.length > 0);
    var rows = clear($("kb-version-rows"));
    versions.forEach(function (v) { rows.appendChild(versionRow(v, current)); });
  }
  function versionRow(v, current) {
    var tr = el("tr");
    cell(tr, "第" + v.version + "版" + (v.version === current ? "（当前）" : ""));
    cell(tr, badge(DOC_STATUS[v.status] || v.status, v.status));
    cell(tr, china(v.created_at));
    cell(tr, v.author || "—");
    cell(tr, "新增 " + v.units_added + " / 停用 " + v.units_retired);
    var actions = cell(tr, "");
    actions.className = "wb-actions";
    if (!v.has_text) { actions.appendChild(el("span", "（没有保存全文）", { class: "hint" })); }
    if (v.has_text && v.version !== current) {
      actions.appendChild(button("对比", function () { compareVersion(v.version, current); }));
      if (isReviewer()) { actions.appendChild(button("回滚到此版本", function () { rollback(v.version); })); }
    }
    return tr;
  }
  function compareVersion(version, current) {
    var box = $("kb-version-diff");
    api("GET", "/kb/diff?source=" + enc(doc.source) + "&old=" + version).then(function (r) {
      clear(box);
      if (r.status !== 200) { box.appendChild(el("p", r.data.message || "没有比较成功。", { class: "error", role: "alert" })); return; }
      box.appendChild(el("h3", "第" + version + "版 → 当前（第" + current + "版）"));
      box.appendChild(diffView(r.data));
      box.scrollIntoView({ block: "start" });
    });
  }
  function rollback(version) {
    confirmDialog("将立即把第" + version + "版的内容重新发布为新的一版，群众马上会看到它。确定回滚吗？", "回滚").then(function (yes) {
      if (!yes) { return; }
      api("POST", "/kb/rollback", { source: doc.source, version: version }).then(function (r) {
        var box = clear($("kb-version-diff"));
        if (r.status !== 200) { box.appendChild(el("p", r.data.message || "回滚没有成功。", { class: "error", role: "alert" })); return; }
        reopen().then(function () {
          told("已回滚：第" + version + "版的内容已作为第" + r.data.revision.published_version + "版发布。");
        });
      });
    });
  }

  // ---------------------------------------------------------------- differences (review and history)

  var SIGNS = { same: ["", "未改动"], del: ["−", "删除"], add: ["+", "新增"] };
  function diffView(diff) {
    var wrap = el("div", null, { class: "wb-diff-wrap" });
    var sum = diff.summary || { added: 0, removed: 0 };
    wrap.appendChild(el("p", "正文新增 " + sum.added + " 行，删除 " + sum.removed + " 行。", { class: "hint" }));
    if (diff.lines.length) { wrap.appendChild(diffTable(diff.lines)); }
    if (diff.phrasings && diff.phrasings.length) { wrap.appendChild(phrasingChanges(diff.phrasings)); }
    return wrap;
  }
  function diffTable(lines) {
    var table = el("table", null, { class: "wb-diff" });
    var head = el("tr");
    ["原", "新", "", "内容"].forEach(function (t) { head.appendChild(el("th", t, { scope: "col" })); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    lines.forEach(function (row) { body.appendChild(diffRow(row)); });
    table.appendChild(body);
    return table;
  }
  function diffRow(row) {
    var tr = el("tr", null, { class: "wb-" + row.op });
    if (row.op === "gap") { tr.appendChild(el("td", "⋯ 中间未改动的内容已省略 ⋯", { colspan: "4" })); return tr; }
    cell(tr, row.old_no || "");
    cell(tr, row.new_no || "");
    cell(tr, SIGNS[row.op][0]).setAttribute("aria-label", SIGNS[row.op][1]);
    var text = cell(tr, "");
    if (!row.segments) { text.textContent = row.text; return tr; }
    row.segments.forEach(function (s) { text.appendChild(s[1] ? el("mark", s[0]) : document.createTextNode(s[0])); });
    return tr;
  }
  function phrasingChanges(changes) {
    var box = el("div", null, { class: "wb-phrasing-changes" });
    box.appendChild(el("h4", "关联问题的变化"));
    var list = el("ul");
    changes.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("strong", c.heading + "："));
      c.added.forEach(function (q) { li.appendChild(el("span", "+ " + q, { class: "wb-added" })); });
      c.removed.forEach(function (q) { li.appendChild(el("span", "− " + q, { class: "wb-removed" })); });
      list.appendChild(li);
    });
    box.appendChild(list);
    return box;
  }

  // ---------------------------------------------------------------- 审核

  function loadRevisions(event) {
    if (event && event.preventDefault) { event.preventDefault(); }
    var f = $("kb-review-filter").elements;
    return api("GET", "/revisions?status=" + enc(f.status.value) + "&kind=" + enc(f.kind.value)).then(function (r) {
      if (r.status !== 200) { failed("kb-error", r, "修改列表没有加载出来，请稍后重试。"); return; }
      var rows = clear($("kb-revision-rows"));
      r.data.revisions.forEach(function (rev) { rows.appendChild(revisionRow(rev)); });
      show("kb-revision-empty", r.data.revisions.length === 0);
    });
  }
  $("kb-review-filter").addEventListener("submit", loadRevisions);
  function revisionRow(rev) {
    var tr = el("tr", null, { class: rev.id === chosenRevision ? "chosen" : "" });
    cell(tr, "#" + rev.id);
    var what = cell(tr, linkButton(rev.title + (rev.retire ? "（申请下线）" : ""), function () { openRevision(rev.id); }));
    what.appendChild(el("div", REVISION_KINDS[rev.kind] || rev.kind, { class: "wb-muted" }));
    cell(tr, rev.author).className = "wb-nowrap";
    cell(tr, badge(rev.status_name, rev.status));
    cell(tr, china(rev.updated_at)).className = "wb-nowrap";
    return tr;
  }
  function openRevision(id, message) {
    chosenRevision = id;
    return api("GET", "/revisions/" + id).then(function (r) {
      var box = clear($("kb-revision"));
      show("kb-revision", true);
      if (r.status !== 200) { box.appendChild(el("p", r.data.message || "没有打开这份修改。", { class: "error", role: "alert" })); return; }
      if (message) { box.appendChild(el("p", message, { class: "wb-done", role: "status" })); }
      renderRevision(box, r.data);
      Array.prototype.forEach.call($("kb-revision-rows").children, function (tr) {
        tr.classList.toggle("chosen", tr.firstChild.textContent === "#" + id);
      });
    });
  }
  function renderRevision(box, rev) {
    var head = el("div", null, { class: "wb-bar wb-between" });
    head.appendChild(el("h3", "#" + rev.id + " " + rev.title, { class: "wb-title" }));
    var side = el("span", null, { class: "wb-bar" });
    side.appendChild(badge(rev.status_name, rev.status));
    if (rev.kind === "document" && rev.status !== "withdrawn") {
      side.appendChild(button("打开文档", function () { openDocument(rev.target); }));
    }
    head.appendChild(side);
    box.appendChild(head);
    box.appendChild(revisionFacts(rev));
    box.appendChild(reviewActions(rev));
    if (rev.kind === "document" || (rev.findings || []).length) { box.appendChild(findingsView(rev.findings || [], rev.status)); }
    if (rev.kind === "document" && rev.status === "published") {
      box.appendChild(el("p", "这份修改已发布为第" + rev.published_version + "版。要看这一版改了什么，请打开文档，在版本记录里对比。", { class: "hint" }));
      return;
    }
    box.appendChild(el("h4", rev.kind === "document" ? "与群众现在看到的内容相比" : "新的内容"));
    box.appendChild(rev.diff ? diffView(rev.diff) : el("pre", rev.body, { class: "wb-text" }));
  }
  function revisionFacts(rev) {
    var facts = el("dl", null, { class: "wb-facts" });
    [["类型", (REVISION_KINDS[rev.kind] || rev.kind) + (rev.retire ? "（申请下线）" : "")],
     ["作者", rev.author + (rev.author === me().username ? "（您本人）" : "")],
     ["提交时间", china(rev.submitted_at)],
     ["基于", rev.kind !== "document" ? "—" : rev.base_version ? "第" + rev.base_version + "版" + (rev.current_version && rev.current_version !== rev.base_version ? "（现已是第" + rev.current_version + "版）" : "") : "新文档"],
     ["修改说明", rev.note || "（未填写）"],
     ["生效日期", rev.effective || "审核通过后发布即生效"],
     ["审核", rev.reviewer ? rev.reviewer + " · " + china(rev.reviewed_at) + (rev.review_comment ? " · " + rev.review_comment : "") : "—"],
     ["发布", rev.published_at ? china(rev.published_at) + " · " + rev.published_by + (rev.published_version ? " · 第" + rev.published_version + "版" : "") : "—"]
    ].forEach(function (pair) { facts.appendChild(el("dt", pair[0])); facts.appendChild(el("dd", pair[1])); });
    return facts;
  }

  function reviewActions(rev) {
    var box = el("div", null, { class: "wb-review-actions" });
    var error = el("p", "", { class: "error", role: "alert" });
    if (rev.status === "submitted") { reviewForm(box, rev, error); }
    if (rev.status === "approved") { publishBar(box, rev, error); }
    if (!box.childNodes.length) { box.appendChild(el("p", "这份修改" + rev.status_name + "，没有需要您处理的操作。", { class: "hint" })); }
    box.appendChild(error);
    return box;
  }
  function reviewForm(box, rev, error) {
    if (!isReviewer()) { box.appendChild(el("p", "这份修改等待内容审核人员审核。", { class: "hint" })); return; }
    if (rev.author === me().username) {
      box.appendChild(el("p", "这是您本人提交的修改，按规定须由另一位审核人员审核。", { class: "notice" }));
    }
    var label = el("label", "审核意见（退回时必须写明原因）");
    var comment = el("textarea", null, { rows: "2", maxlength: "1000" });
    label.appendChild(comment);
    box.appendChild(label);
    var bar = el("div", null, { class: "wb-bar" });
    bar.appendChild(button("通过", function () { decide(rev, "approve", comment, error); }, ""));
    bar.appendChild(button("退回修改", function () {
      if (comment.value.trim()) { decide(rev, "reject", comment, error); return; }
      error.textContent = "退回时请写明原因，方便编辑修改。";
      comment.focus();
    }));
    box.appendChild(bar);
  }
  function decide(rev, name, comment, error) {
    error.textContent = "";
    step(rev.id, name, { comment: comment.value.trim() }, error).then(function (done) {
      if (!done) { return; }
      afterReview(rev.id, name === "approve" ? "已审核通过。" : "已退回，编辑会看到您的意见。");
    });
  }
  function afterReview(id, message) {
    S.note(message);
    openRevision(id, message);
    loadRevisions();
    countSubmitted();
  }
  function publishBar(box, rev, error) {
    if (rev.effective && rev.effective > today()) {
      box.appendChild(el("p", "已审核通过，将于 " + rev.effective + " 自动发布。", { class: "notice" }));
      return;
    }
    box.appendChild(el("p", "已由 " + rev.reviewer + " 审核通过。发布后群众立即看到新内容。", { class: "hint" }));
    box.appendChild(button("发布", function () {
      error.textContent = "";
      step(rev.id, "publish", {}, error).then(function (done) {
        if (!done) { return; }
        afterReview(rev.id, done.published_version ? "已发布：群众现在看到的是第" + done.published_version + "版。" : "已发布。");
      });
    }, ""));
  }

  function findingsView(findings, status) {
    var box = el("div", null, { class: "wb-findings" });
    box.appendChild(el("h4", "一致性检查" + (findings.length ? "（" + findings.length + " 处需要核对）" : "")));
    if (!findings.length) {
      box.appendChild(el("p", status === "draft" ? "提交审核时检查。" : "没有发现与其他文档说法不一致的地方。", { class: "hint" }));
    }
    findings.forEach(function (f) { box.appendChild(findingCard(f)); });
    return box;
  }
  function findingCard(f) {
    var card = el("div", null, { class: "wb-finding" + (f.blocking ? " is-blocking" : "") });
    var head = el("p");
    head.appendChild(badge(FINDINGS[f.kind] || f.kind, f.blocking ? "expired" : "warn"));
    head.appendChild(document.createTextNode(" " + f.message));
    card.appendChild(head);
    var places = el("ul", null, { class: "wb-places" });
    (f.places || []).forEach(function (p) { places.appendChild(placeItem(p)); });
    (f.questions || []).forEach(function (q) { places.appendChild(el("li", q)); });
    card.appendChild(places);
    return card;
  }
  function placeItem(p) {
    var li = el("li");
    li.appendChild(el("strong", "《" + p.title + "》" + (p.heading_path.length ? " · " + p.heading_path.join(" · ") : "")));
    li.appendChild(el("span", "：" + p.value, { class: "wb-value" }));
    li.appendChild(el("div", p.excerpt, { class: "wb-excerpt" }));
    return li;
  }

  // ---------------------------------------------------------------- 命中测试

  function prepareHitTest() { loadLookups(); loadDraftChoices(); }

  $("kb-hit-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var f = event.target.elements, box = $("kb-hit-result");
    var question = f.question.value.trim();
    working(box, "正在检索……");
    api("POST", "/kb/hit-test", { question: question, service: f.service.value || null }).then(function (r) {
      clear(box);
      if (r.status !== 200) { box.appendChild(el("p", r.data.message || "测试没有成功，请稍后重试。", { class: "error", role: "alert" })); return; }
      renderHitTest(box, r.data);
    });
  });
  function renderHitTest(box, result) {
    var two = el("div", null, { class: "wb-two" });
    var left = el("div"), right = el("div");
    left.appendChild(el("h4", "机器人的决定"));
    left.appendChild(decisionView(result));
    left.appendChild(el("h4", "群众会看到"));
    left.appendChild(chatView(result.question, result.reply));
    right.appendChild(el("h4", "检索到的条目（按得分排序）"));
    var list = el("ol", null, { class: "wb-hits" });
    result.hits.forEach(function (hit, i) { list.appendChild(hitCard(hit, i, result.question)); });
    right.appendChild(result.hits.length ? list : el("p", "知识库里没有相关的条目。", { class: "hint" }));
    two.appendChild(left);
    two.appendChild(right);
    box.appendChild(two);
  }
  function decisionView(result) {
    var box = el("div", null, { class: "wb-decision" });
    box.appendChild(badge(DECISIONS[result.decision] || result.decision, result.decision));
    box.appendChild(el("span", "置信度 " + result.confidence.toFixed(2) + "（答复线 " + result.answer_threshold.toFixed(2) +
      "，推荐线 " + result.suggest_threshold.toFixed(2) + "）"));
    box.appendChild(meter(result));
    return box;
  }
  function percentOf(value) { return Math.max(0, Math.min(100, value * 100)) + "%"; }
  function meter(result) {
    var bar = el("div", null, { class: "wb-meter", role: "img",
      "aria-label": "置信度 " + result.confidence.toFixed(2) + "，推荐线 " + result.suggest_threshold.toFixed(2) + "，答复线 " + result.answer_threshold.toFixed(2) });
    var level = el("span", null, { class: "wb-meter-fill is-" + result.decision });
    level.style.width = percentOf(result.confidence);
    bar.appendChild(level);
    [["推荐线", result.suggest_threshold], ["答复线", result.answer_threshold]].forEach(function (t) {
      var mark = el("span", t[0], { class: "wb-meter-mark" });
      mark.style.left = percentOf(t[1]);
      bar.appendChild(mark);
    });
    return bar;
  }
  function chatView(question, replies) {
    var box = el("div", null, { class: "wb-chat" });
    box.appendChild(el("div", question, { class: "wb-bubble is-citizen" }));
    replies.forEach(function (reply) {
      box.appendChild(el("div", reply.text, { class: "wb-bubble" }));
      if (!reply.buttons.length) { return; }
      var row = el("div", null, { class: "wb-quick" });
      reply.buttons.forEach(function (b) { row.appendChild(el("span", b, { class: "wb-quick-button" })); });
      box.appendChild(row);
    });
    return box;
  }
  function hitCard(hit, i, question) {
    var li = el("li", null, { class: "wb-hit" });
    var head = el("div", null, { class: "wb-hit-head" });
    head.appendChild(el("span", "#" + (i + 1), { class: "wb-rank" }));
    head.appendChild(el("span", hit.score.toFixed(4), { class: "wb-score", title: "得分" }));
    head.appendChild(badge(KINDS[hit.kind] || hit.kind, hit.kind));
    if (hit.expired_on) { head.appendChild(badge("已过期（有效期至 " + hit.expired_on + "）", "expired")); }
    li.appendChild(head);
    li.appendChild(el("div", hit.citation, { class: "wb-cite" }));
    li.appendChild(el("p", hit.text.length > 160 ? hit.text.slice(0, 160) + "……" : hit.text, { class: "wb-excerpt" }));
    var heading = last(hit.heading_path);
    var bar = el("div", null, { class: "wb-bar" });
    if (isEditor()) { bar.appendChild(button("添加为关联问题", function () { openDocument(hit.source, { heading: heading, question: question }); })); }
    bar.appendChild(button("编辑此处", function () { openDocument(hit.source, { heading: heading }); }));
    li.appendChild(bar);
    return li;
  }

  // ---- the bulk hit test

  function loadDraftChoices() {
    api("GET", "/revisions?kind=document").then(function (r) {
      if (r.status !== 200) { return; }
      var choices = {};
      r.data.revisions.filter(function (x) { return OPEN.indexOf(x.status) >= 0 && !x.retire; }).forEach(function (x) {
        choices[x.id] = "#" + x.id + " " + x.title + "（" + x.status_name + " · " + x.author + "）";
      });
      fill($("kb-bulk-form").elements.draft, choices, "不对比，只测已发布的内容");
    });
  }
  $("kb-bulk-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target, box = $("kb-bulk-result"), run = form.querySelector("button[type=submit]");
    working(box, "正在逐个测试，问题多时需要一两分钟……");
    run.disabled = true;
    upload("/kb/hit-test/bulk", new FormData(form)).then(function (r) {
      run.disabled = false;
      clear(box);
      if (r.status !== 200 || !r.data.published) { box.appendChild(el("p", r.data.message || "批量测试没有成功，请稍后重试。", { class: "error", role: "alert" })); return; }
      renderBulk(box, r.data);
    });
  });
  function renderBulk(box, result) {
    box.appendChild(el("p", "共测试 " + result.questions + " 个知识库应能回答的问题、" + result.out_of_kb +
      " 个知识库之外的问题" + (result.with_draft ? "，并对比修改 #" + result.draft + " 发布后的效果。" : "。")));
    box.appendChild(figuresTable(result));
    if (result.with_draft) {
      box.appendChild(changedList("这份修改会让这些问题的正确答案排名下降", result.broken, "worse"));
      box.appendChild(changedList("这份修改会让这些问题的正确答案排名上升", result.fixed, "better"));
    }
    box.appendChild(missedList(result.missed));
  }
  function figuresTable(result) {
    var table = el("table", null, { class: "wb-table wb-figures" });
    var head = el("tr");
    ["检索方式", "知识库"].concat(METRICS.map(function (m) { return m[1]; })).forEach(function (t) { head.appendChild(el("th", t, { scope: "col" })); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    result.published.forEach(function (row, i) {
      body.appendChild(figuresRow(row, "已发布"));
      if (result.with_draft) { body.appendChild(figuresRow(result.with_draft[i], "应用草稿后", row)); }
    });
    table.appendChild(body);
    return table;
  }
  function figure(metric, value) {
    if (value === null || value === undefined) { return "—"; }
    return metric === "mrr" ? value.toFixed(3) : (value * 100).toFixed(1) + "%";
  }
  function figuresRow(row, scope, before) {
    var tr = el("tr", null, { "data-mode": row.mode, "data-scope": before ? "draft" : "published" });
    cell(tr, MODES[row.mode] || row.mode);
    cell(tr, scope);
    METRICS.forEach(function (m) {
      var td = cell(tr, figure(m[0], row[m[0]]));
      td.setAttribute("data-metric", m[0]);
      td.setAttribute("data-value", String(row[m[0]]));
      if (before && row[m[0]] !== before[m[0]]) { td.className = row[m[0]] > before[m[0]] ? "wb-better" : "wb-worse"; }
    });
    return tr;
  }
  function changedList(title, questions, kind) {
    var box = el("div", null, { class: "wb-changed is-" + kind });
    box.appendChild(el("h4", title + "（" + questions.length + "）"));
    var list = el("ul");
    questions.forEach(function (q) { list.appendChild(el("li", q)); });
    box.appendChild(questions.length ? list : el("p", "没有。", { class: "hint" }));
    return box;
  }
  function missedList(questions) {
    var box = el("details", null, { class: "wb-missed" });
    box.appendChild(el("summary", "按已发布内容，正确答案没有排第一的问题（" + questions.length + "）"));
    var list = el("ul");
    questions.forEach(function (q) { list.appendChild(el("li", q)); });
    box.appendChild(list);
    return box;
  }

  // ---------------------------------------------------------------- 即将到期

  function loadExpiries(event) {
    if (event && event.preventDefault) { event.preventDefault(); }
    loadLookups();
    var f = $("kb-expiry-filter").elements;
    api("GET", "/kb/expiries?days=" + enc(f.days.value) + "&department=" + enc(f.department.value)).then(function (r) {
      if (r.status !== 200) { failed("kb-error", r, "到期内容没有加载出来，请稍后重试。"); return; }
      renderExpiries(r.data.expiries);
    });
  }
  $("kb-expiry-filter").addEventListener("submit", loadExpiries);
  function renderExpiries(rows) {
    var box = clear($("kb-expiry-groups")), groups = {};
    rows.forEach(function (r) { (groups[r.department] = groups[r.department] || []).push(r); });
    Object.keys(groups).sort().forEach(function (name) { box.appendChild(expiryGroup(name, groups[name])); });
    show("kb-expiry-empty", rows.length === 0);
  }
  function expiryGroup(name, rows) {
    var wrap = el("div", null, { class: "wb-group" });
    wrap.appendChild(el("h3", name + "（" + rows.length + " 处）"));
    var table = el("table", null, { class: "wb-table" });
    var head = el("tr");
    ["文档", "章节", "有效期至", "剩余"].forEach(function (t) { head.appendChild(el("th", t, { scope: "col" })); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    rows.sort(function (a, b) { return a.days_left - b.days_left; }).forEach(function (r) { body.appendChild(expiryRow(r)); });
    table.appendChild(body);
    wrap.appendChild(table);
    return wrap;
  }
  function expiryRow(r) {
    var tr = el("tr");
    var heading = r.section ? last(r.section.split(" · ")) : null;
    cell(tr, linkButton(r.title, function () { openDocument(r.source, { heading: heading }); }));
    cell(tr, r.section || "（整份文档）");
    cell(tr, r.expires).className = "wb-nowrap";
    var left = r.days_left <= 0 ? "今天到期" : "还剩 " + r.days_left + " 天";
    cell(tr, badge(left, r.days_left <= 7 ? "expired" : r.days_left <= 30 ? "warn" : "dated"));
    return tr;
  }
})();
