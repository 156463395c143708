/*
 * 来电辅助 (agent assist for calls): what the caller says → the 一件事, the knowledge base's
 * answers with their source and the checklist; then, for the caller, ① the identity check (a
 * code to the phone on record, read out by the caller), ② a pre-filled draft, ③ the link to it by
 * SMS or WeChat. Each step opens only after the one before; the server checks the same. Personal
 * data is shown masked once verified, and the typed ID number is cleared from the form.
 * Part of the staff web app: uses the helpers staff.js exports as window.Staff.
 */
(function () {
  "use strict";
  var S = window.Staff;
  var $ = S.$, el = S.el, show = S.show, api = S.api;

  S.actionNames({
    assist_call: "来电辅助·新来电", assist_understand: "来电辅助·识别诉求", assist_verify: "来电辅助·身份核验",
    assist_draft: "来电辅助·创建草稿", assist_link: "来电辅助·发送链接", assist_end: "来电辅助·结束通话"
  });
  S.tab({ id: "assist", title: "来电辅助", order: 15, load: load,
    allowed: function (u) { return S.has(u, "agent") || S.has(u, "supervisor"); } });

  var call = null;
  var wechat = false;
  var rechecking = false;
  var NO_ANSWERS_YET = "输入来电人说的话后，这里显示知识库的答复和出处。";

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function stamp(iso) {
    var d = new Date(iso);
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }
  function say(id, text, bad) {
    var node = $(id);
    node.textContent = text || "";
    node.classList.toggle("error", !!bad);
  }
  function path(rest) { return "/assist/calls/" + encodeURIComponent(call.id) + rest; }

  // Opening the tab starts a call, keeping whatever the agent has begun to type meanwhile; the
  // 新来电 button clears the page for the next caller.
  function load() { if (!call) { newCall(false); } }

  function newCall(clear) {
    if (clear) {
      ["assist-heard", "assist-id-form", "assist-code-form"].forEach(function (id) { $(id).reset(); });
      $("assist-consent").checked = false;
      answers([]);
    }
    api("POST", "/assist/calls", {}).then(function (r) {
      if (r.status !== 201) { say("assist-error", r.data.message || "没有开始新来电，请重试。", true); return; }
      call = r.data.call;
      wechat = false;
      rechecking = false;
      ["assist-error", "assist-id-state", "assist-draft-state", "assist-link-state"].forEach(function (id) { say(id, ""); });
      fillItems(r.data.items || []);
      about({ item: null, checklist: [], consent: [] });
      render();
      if (clear) { $("assist-heard").elements.text.focus(); }
    });
  }

  function fillItems(items) {
    var select = $("assist-item");
    select.textContent = "";
    select.appendChild(el("option", "（请选择事项）", { value: "" }));
    items.forEach(function (item) { select.appendChild(el("option", item.title, { value: item.code })); });
  }

  // Where the call stands: what is possible now follows from it.
  function render() {
    var caller = call.caller;
    $("assist-call").textContent = "本次来电开始于 " + stamp(call.started_at) +
      (caller ? "，来电人已核验：" + caller.name + "（" + caller.id_number + "）" : "，来电人尚未核验");
    show("assist-id-form", !caller || rechecking);
    show("assist-code-form", call.code_sent && (!caller || rechecking));
    show("assist-recheck", !!caller && !rechecking);
    $("assist-step-draft").classList.toggle("pending", !caller);
    $("assist-step-link").classList.toggle("pending", !call.draft);
    $("assist-draft").disabled = !caller || !$("assist-item").value;
    // once the draft of the chosen item is made, the consent question has done its work
    var made = !!call.draft && call.draft_item === $("assist-item").value;
    ["assist-consent-text", "assist-consent-label", "assist-draft"].forEach(function (id) { show(id, !made); });
    $("assist-link").disabled = !call.draft;
    $("assist-via-wechat").disabled = !wechat;
    if (!wechat) { $("assist-via-sms").checked = true; }
  }

  function answered(r, stateId, done) {
    if (r.data.call) { call = r.data.call; }
    if (r.status >= 200 && r.status < 300) {
      say(stateId, r.data.message || "");
      if (done) { done(r.data); }
    } else if (r.status === 404) {
      say("assist-error", r.data.message, true);
      call = null;
      return;
    } else {
      say(stateId, r.data.message || "操作没有成功，请重试。", true);
    }
    render();
  }

  // ---- what the caller says ----
  $("assist-heard").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = event.target.elements.text.value.trim();
    if (!call) { say("assist-error", "正在开始本次来电，请稍候再点一次。", true); return; }
    if (!text) { return; }
    say("assist-error", "");
    $("assist-heard-go").disabled = true;
    api("POST", path("/understand"), { text: text }).then(function (r) {
      $("assist-heard-go").disabled = false;
      if (r.status !== 200) { say("assist-error", r.data.message || "没有识别成功，请重试。", true); return; }
      understood(r.data);
    });
  });

  function understood(data) {
    var rec = data.recognised;
    var line;
    if (rec.item && rec.from_context) {
      line = "这句话没有提到新的事项，按本次通话的「" + rec.item.title + "」查找答复。";
    } else if (rec.item) {
      line = "识别为「" + rec.item.title + "」（把握 " + Math.round(rec.confidence * 100) + "%），如不对可在上面改选。";
    } else {
      line = data.hint || "";
    }
    $("assist-recognised").textContent = line;
    $("assist-elsewhere").textContent = rec.elsewhere || "";
    show("assist-elsewhere", !!rec.elsewhere);
    answers(data.answers, "办事指南里没有找到与这句话相关的内容。");
    about(data);
  }

  function answers(found, none) {
    var list = $("assist-answers");
    list.textContent = "";
    found.forEach(function (a) {
      var li = el("li");
      li.appendChild(el("p", a.text.replace(/\n?来源：[^\n]*$/, "")));  // the source has a line of its own
      li.appendChild(el("span", "来源：" + a.title, { class: "source" }));
      list.appendChild(li);
    });
    if (!found.length) { list.appendChild(el("li", none || NO_ANSWERS_YET, { class: "hint" })); }
  }

  // The item: facts, checklist and the data pre-fill would read (for the consent question).
  function about(data) {
    var item = data.item;
    $("assist-item").value = item ? item.code : "";
    var facts = $("assist-facts");
    facts.textContent = "";
    if (item) {
      [["牵头部门", item.lead_department], ["承诺时限", item.time_limit_days ? item.time_limit_days + "个工作日" : "—"],
        ["收费", item.fee], ["包含事项", item.services.join("、") || "—"]].forEach(function (pair) {
        facts.appendChild(el("dt", pair[0]));
        facts.appendChild(el("dd", pair[1]));
      });
    }
    show("assist-uscc-label", !!(item && item.needs_enterprise));
    var list = $("assist-checklist");
    list.textContent = "";
    data.checklist.forEach(function (m) {
      var li = el("li");
      li.appendChild(el("strong", m.name));
      li.appendChild(el("span", (m.when ? m.when + "：" : "") + m.how, { class: "how" }));
      list.appendChild(li);
    });
    $("assist-consent-text").textContent = data.consent && data.consent.length
      ? "请向来电人说明：将从政府已有数据中调取其" + data.consent.join("、") + "，只用于预填这份申请，不作他用；不同意也可以由其本人逐项填写。"
      : "选好事项后，这里会列出预填将调取的信息。";
    if (call) { render(); }
  }

  $("assist-item").addEventListener("change", function (event) {
    if (!call || !event.target.value) { render(); return; }
    api("POST", path("/item"), { code: event.target.value }).then(function (r) {
      if (r.status === 200) { about(r.data); }
      else { say("assist-error", r.data.message || "没有切换成功，请重试。", true); }
    });
  });

  // ---- ① identity ----
  $("assist-id-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!call) { return; }
    var f = event.target.elements;
    api("POST", path("/identity"), { name: f.name.value, id_number: f.id_number.value, uscc: f.uscc.value })
      .then(function (r) {
        answered(r, "assist-id-state", function () { $("assist-code-form").elements.code.focus(); });
      });
  });
  $("assist-code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!call) { return; }
    api("POST", path("/identity/code"), { code: event.target.elements.code.value }).then(function (r) {
      answered(r, "assist-id-state", function (data) {
        wechat = !!data.wechat;
        rechecking = false;
        $("assist-id-form").reset();  // the full ID number leaves the screen: only its masked form stays
        $("assist-code-form").reset();
        about(data);
      });
    });
  });

  $("assist-recheck").addEventListener("click", function () {
    rechecking = true;
    say("assist-id-state", "");
    render();
    $("assist-id-form").elements.name.focus();
  });

  // ---- ② the draft ----
  $("assist-draft").addEventListener("click", function () {
    if (!call) { return; }
    api("POST", path("/draft"), { code: $("assist-item").value, consent: $("assist-consent").checked }).then(function (r) {
      answered(r, "assist-draft-state", function (data) {
        var d = data.draft;
        var box = $("assist-draft-state");
        box.textContent = "";
        box.appendChild(el("p", d.message));
        if (d.prefilled.length) { box.appendChild(el("p", "已预填：" + d.prefilled.join("、"), { class: "hint" })); }
        if (d.missing.length) { box.appendChild(el("p", "还需来电人填写：" + d.missing.join("、"), { class: "hint" })); }
        var needed = d.checklist.filter(function (m) { return m.how.indexOf("需上传") === 0; });
        if (needed.length) {
          box.appendChild(el("p", "需上传的材料：" + needed.map(function (m) { return m.name; }).join("、"), { class: "hint" }));
        }
      });
    });
  });

  // ---- ③ the link ----
  $("assist-link").addEventListener("click", function () {
    if (!call) { return; }
    var via = $("assist-via-wechat").checked ? "wechat" : "sms";
    api("POST", path("/link"), { via: via }).then(function (r) { answered(r, "assist-link-state"); });
  });

  function fresh() { newCall(true); }
  $("assist-new").addEventListener("click", function () {
    if (call && call.caller && !window.confirm("开始新来电会结束当前通话并撤销来电人的核验，确定吗？")) { return; }
    endCall(fresh);
  });
  $("assist-end").addEventListener("click", function () {
    if (!call || !window.confirm("结束本次通话？来电人的核验将被撤销，已创建的草稿仍保留。")) { return; }
    endCall(fresh);
  });
  function endCall(then) {
    if (!call) { then(); return; }
    api("POST", path("/end"), {}).then(function () { call = null; then(); });
  }
})();
