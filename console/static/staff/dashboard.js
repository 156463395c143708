/*
 * 数据看板 (the supervisors' dashboard): the queue now, 转人工 first-response and resolution times
 * against the targets, 办不成事 tickets by their clock, 好差评 ratings and the reasons of the bad
 * ones, and what most often ends in 转人工 — for the China dates chosen (近7天 by default).
 * The figures come from GET /staff/api/dashboard (console/dashboard.py); the charts are ECharts
 * (/staff/vendor/echarts.min.js, from npm). Part of the staff web app: uses window.Staff.
 */
(function () {
  "use strict";
  var S = window.Staff;
  var $ = S.$, el = S.el, api = S.api;

  S.tab({ id: "dashboard", title: "数据看板", order: 40, load: load,
    allowed: function (u) { return S.has(u, "supervisor"); } });

  var FONT = "-apple-system, \"PingFang SC\", \"Noto Sans CJK SC\", \"Microsoft YaHei\", sans-serif";
  var RED = "#c7000b";
  var REASON_COLOURS = { user_request: "#1d4ed8", distress: "#f08c00", complaint: RED };
  var LEVEL_COLOURS = { 5: "#1a7f37", 4: "#57a35c", 3: "#b7a100", 2: "#f08c00", 1: RED };
  var DAY = 24 * 3600 * 1000;
  var charts = {};
  var asked = 0; // the latest request: an older answer arriving after it is not drawn over it

  // ---- dates: the city's "today" whatever the browser's time zone ----
  function chinaToday() {
    return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
  }
  function chinaTime(iso) { // "2026-12-07 10:12", as the staff pages write times
    var parts = {};
    new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(iso))
      .forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute;
  }
  function daysBefore(iso, days) {
    return new Date(Date.parse(iso + "T00:00:00Z") - days * DAY).toISOString().slice(0, 10);
  }
  function preset(days) {
    var form = $("dash-form").elements;
    form.to.value = chinaToday();
    form.from.value = daysBefore(form.to.value, days - 1);
  }

  // ---- words for figures ----
  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return "—"; }
    if (seconds < 60) { return seconds + "秒"; }
    if (seconds < 3600) {
      var s = seconds % 60;
      return Math.floor(seconds / 60) + "分" + (s ? s + "秒" : "钟");
    }
    var m = Math.floor((seconds % 3600) / 60);
    if (seconds < 2 * DAY / 1000) { return Math.floor(seconds / 3600) + "小时" + (m ? m + "分" : ""); }
    return Math.floor(seconds / 86400) + "天" + Math.floor((seconds % 86400) / 3600) + "小时";
  }
  function percent(share) {
    return share.rate === null ? "—" : Math.round(share.rate * 100) + "%";
  }
  function shareText(share) {
    return percent(share) + (share.counted ? "（" + share.met + "/" + share.counted + "）" : "");
  }
  function minutes(value) { return (Math.round(value * 10) / 10) + "分钟"; }

  // ---- tiles ----
  function tile(label, value, lines, alarm) {
    var box = el("div", null, { class: "dash-tile" + (alarm ? " alarm" : "") });
    box.appendChild(el("div", label, { class: "label" }));
    box.appendChild(el("div", value, { class: "value" }));
    var details = el("div", null, { class: "details" });
    lines.forEach(function (line) { details.appendChild(el("div", line)); });
    box.appendChild(details);
    return box;
  }
  // p50 as the tile's figure; the share within the target and p90 beside it
  function timingTile(label, timing) {
    return tile(label + "（中位数）", timing.measured ? duration(timing.p50_seconds) : "暂无",
      ["目标" + minutes(timing.target_minutes) + "内：" + shareText(timing.within_target),
       "P90 " + duration(timing.p90_seconds) + "，共 " + timing.measured + " 次"], false);
  }
  function tiles(d) {
    var q = d.queue, h = d.handoffs, t = d.tickets, r = d.ratings;
    var late = t.overdue_by_clock.map(function (x) { return x.name + " " + x.count; }).join("，");
    var waitedTooLong = q.open > 0 && q.oldest_wait_seconds > h.first_reply.target_minutes * 60;
    var box = $("dash-tiles");
    box.textContent = "";
    [
      tile("排队等待（当前）", q.open + " 人",
        [q.oldest_wait_seconds === null ? "目前无人等待" : "最久已等 " + duration(q.oldest_wait_seconds),
         "处理中 " + q.claimed + " 人"], waitedTooLong),
      timingTile("首次响应", h.first_reply),
      timingTile("办结用时", h.resolution),
      tile("办不成事（未办结）", t.open_now + " 件",
        ["超时限 " + t.overdue_now + " 件" + (late ? "（" + late + "）" : ""),
         "期间登记 " + t.total + " 件，按时联系 " + percent(t.contact_on_time)], t.overdue_now > 0),
      tile("好差评（期间）", r.total + " 条",
        ["满意率 " + shareText(r.satisfied), "差评 " + r.bad + " 条（不满意及以下）"], false),
      tile("差评跟进（待办）", r.follow_ups_open + " 件",
        ["逾期 " + r.follow_ups_overdue + " 件（回访1个工作日、整改15个工作日）",
         "期间差评按时回访 " + shareText(r.visit_on_time)], r.follow_ups_overdue > 0)
    ].forEach(function (node) { box.appendChild(node); });
  }

  // ---- charts ----
  // An empty chart says so instead of drawing empty axes (or a grey ring) under the words.
  function draw(id, option, empty) {
    if (!charts[id]) { charts[id] = window.echarts.init($(id), null, { renderer: "canvas" }); }
    var shown = empty ? { graphic: { type: "text", left: "center", top: "middle",
      style: { text: "所选期间暂无数据", fill: "#86909c", fontSize: 14, fontFamily: FONT } } } : option;
    shown.textStyle = { fontFamily: FONT };
    shown.animation = false;
    charts[id].setOption(shown, true);
  }
  function horizontalBars(id, rows, colour) {
    var shown = rows.slice().reverse(); // the largest on top
    draw(id, {
      grid: { left: 8, right: 36, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef0f3" } } },
      yAxis: { type: "category", data: shown.map(function (x) { return x.name; }),
        axisLabel: { width: 120, overflow: "break", lineHeight: 14, color: "#4e5969" }, axisTick: { show: false } },
      series: [{ type: "bar", data: shown.map(function (x) { return x.count; }), barMaxWidth: 18,
        itemStyle: { color: colour, borderRadius: [0, 3, 3, 0] }, label: { show: true, position: "right", color: "#4e5969" } }]
    }, !rows.some(function (x) { return x.count > 0; }));
  }
  function daily(h) {
    var days = h.per_day.days;
    $("dash-daily-title").textContent = "每日转人工（期间共 " + h.total + " 次）";
    draw("dash-daily", {
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      legend: { top: 0, itemWidth: 14, itemHeight: 10 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: days.map(function (x) { return x.slice(5); }),
        axisLabel: { color: "#4e5969", hideOverlap: true }, axisTick: { alignWithLabel: true } },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eef0f3" } } },
      series: h.per_day.series.map(function (s) {
        return { name: s.name, type: "bar", stack: "all", data: s.counts, barMaxWidth: 28,
          itemStyle: { color: REASON_COLOURS[s.key] } };
      })
    }, h.total === 0);
  }
  function levels(r) {
    draw("dash-levels", {
      tooltip: { trigger: "item", formatter: "{b}：{c} 条（{d}%）" },
      legend: { orient: "vertical", right: 4, top: "middle", itemWidth: 12, itemHeight: 10 },
      series: [{ type: "pie", radius: ["42%", "70%"], center: ["36%", "52%"], avoidLabelOverlap: true,
        label: { formatter: "{c}", color: "#4e5969" }, labelLine: { length: 6, length2: 6 },
        data: r.levels.filter(function (x) { return x.count > 0; }).map(function (x) {
          return { name: x.name, value: x.count, itemStyle: { color: LEVEL_COLOURS[x.level] } };
        }) }]
    }, r.total === 0);
  }

  function questions(h, generatedAt) {
    var rows = $("dash-questions");
    rows.textContent = "";
    h.top_questions.forEach(function (q, n) {
      var tr = el("tr");
      tr.appendChild(el("td", n + 1));
      tr.appendChild(el("td", q.text));
      tr.appendChild(el("td", q.count));
      rows.appendChild(tr);
    });
    if (!h.top_questions.length) {
      var none = el("tr");
      none.appendChild(el("td", "所选期间没有转人工前的提问。", { colspan: "3", class: "muted" }));
      rows.appendChild(none);
    }
    $("dash-note").textContent = (h.asked_straight_away ? "另有 " + h.asked_straight_away + " 次是群众一开始就要求人工、未先提问。" : "") +
      "首次响应和办结用时从人工服务时间开始计算；“当前”和“待办”不受日期筛选影响，其余按登记日期（北京时间）统计。" +
      "数据更新于 " + chinaTime(generatedAt) + "。";
  }

  function render(d, sent) {
    var form = $("dash-form").elements;
    // the dates as the server read them (one left empty is filled in), unless the supervisor
    // has typed others while this answer was on its way
    if (form.from.value.trim() === sent.from && form.to.value.trim() === sent.to) {
      form.from.value = d.period.from;
      form.to.value = d.period.to;
    }
    tiles(d);
    daily(d.handoffs);
    levels(d.ratings);
    horizontalBars("dash-items", d.handoffs.top_items, "#1d4ed8");
    horizontalBars("dash-reasons", d.ratings.bad_reasons, RED);
    horizontalBars("dash-categories", d.tickets.by_category, "#f08c00");
    questions(d.handoffs, d.generated_at);
  }

  function load(event) {
    if (event && event.preventDefault) { event.preventDefault(); }
    var form = $("dash-form").elements;
    if (!form.from.value.trim() && !form.to.value.trim()) { preset(7); }
    $("dash-error").textContent = "";
    var sent = { from: form.from.value.trim(), to: form.to.value.trim() };
    var query = "?from=" + encodeURIComponent(sent.from) + "&to=" + encodeURIComponent(sent.to);
    var mine = ++asked;
    api("GET", "/dashboard" + query).then(function (r) {
      if (mine !== asked) { return; }
      if (r.status !== 200) { $("dash-error").textContent = r.data.message || "数据没有加载成功，请稍后重试。"; return; }
      render(r.data, sent);
    });
  }

  $("dash-form").addEventListener("submit", load);
  Array.prototype.forEach.call($("dash-form").querySelectorAll("button[data-days]"), function (button) {
    button.addEventListener("click", function () { preset(Number(button.getAttribute("data-days"))); load(); });
  });
  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (id) { charts[id].resize(); });
  });
})();
