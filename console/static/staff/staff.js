/*
 * The staff web app (工作台): login, the account, and by role the accounts and the audit log;
 * each other part (the 转人工 inbox, …) is a file of its own that adds its tab through Staff.tab().
 * Talks only to /staff/api on its own origin; the session is an HttpOnly cookie the script
 * never sees, every change carries the session's CSRF token, and a 401 (the session ended,
 * e.g. after the idle timeout) brings the login back with a note.
 */
(function () {
  "use strict";

  var ACTIONS = {
    login: "登录", login_refused: "登录失败", logout: "退出登录", user_add: "新建账号",
    user_update: "修改账号", user_roles: "设置角色", user_disable: "停用账号", user_enable: "恢复账号",
    user_password: "重设密码", forbidden: "越权访问"
  };
  var csrf = null;
  var me = null;
  var roleNames = {};

  function $(id) { return document.getElementById(id); }
  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }
  function show(id, on) { $(id).hidden = !on; }
  function note(text) { $("notice").textContent = text || ""; show("notice", !!text); }

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (method !== "GET" && csrf) { headers["X-CSRF-Token"] = csrf; }
    return fetch("/staff/api" + path, {
      method: method, headers: headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (answer) {
      return answer.json().catch(function () { return {}; }).then(function (data) {
        if (answer.status === 401 && me) { signedOut("登录已失效（可能是长时间未操作），请重新登录。"); }
        return { status: answer.status, data: data };
      });
    }, function () {
      return { status: 0, data: { message: "网络连接失败，请检查网络后重试。" } };
    });
  }

  function signedOut(message) {
    me = null; csrf = null;
    show("who", false); show("tabs", false);
    TABS.forEach(function (t) { show(t.id, false); });
    show("login", true);
    note(message || "");
    $("login-form").elements.username.focus();
  }

  // Feature files (inbox.js, …) add their tabs with Staff.tab() before the session is known.
  var TABS = [
    { id: "home", title: "我的账号", allowed: function () { return true; }, order: 90 },
    { id: "users", title: "账号管理", allowed: function (u) { return has(u, "admin"); }, load: loadUsers, order: 95 },
    { id: "audit", title: "操作日志", allowed: function (u) { return has(u, "supervisor"); }, load: loadAudit, order: 96 }
  ];
  function has(user, role) { return user.roles.indexOf("admin") >= 0 || user.roles.indexOf(role) >= 0; }

  function signedIn(data) {
    me = data.user; csrf = data.csrf_token;
    show("login", false); note("");
    $("who-name").textContent = me.display_name + "（" + me.username + "）";
    $("who-roles").textContent = me.role_names.join("、");
    show("who", true);
    var tabs = $("tabs");
    tabs.textContent = "";
    TABS.sort(function (a, b) { return (a.order || 50) - (b.order || 50); });
    TABS.filter(function (t) { return t.allowed(me); }).forEach(function (t) {
      var button = el("button", t.title, { type: "button", "data-tab": t.id });
      button.addEventListener("click", function () { open(t); });
      tabs.appendChild(button);
    });
    show("tabs", true);
    var facts = $("home-facts");
    facts.textContent = "";
    [["姓名", me.display_name], ["用户名", me.username], ["角色", me.role_names.join("、")],
     ["自动退出", "连续" + (data.idle_minutes || 30) + "分钟未操作"]].forEach(function (pair) {
      facts.appendChild(el("dt", pair[0])); facts.appendChild(el("dd", pair[1]));
    });
    open(TABS.filter(function (t) { return t.allowed(me); })[0]);
  }

  function open(tab) {
    TABS.forEach(function (t) { show(t.id, t === tab); });
    Array.prototype.forEach.call($("tabs").children, function (b) {
      if (b.getAttribute("data-tab") === tab.id) { b.setAttribute("aria-current", "page"); } else { b.removeAttribute("aria-current"); }
    });
    if (tab.load) { tab.load(); }
  }

  function loadUsers() {
    api("GET", "/users").then(function (r) {
      if (r.status !== 200) { return; }
      roleNames = r.data.roles;
      var rows = $("users-rows");
      rows.textContent = "";
      r.data.users.forEach(function (u) {
        var tr = el("tr");
        tr.appendChild(el("td", u.username));
        tr.appendChild(el("td", u.display_name));
        tr.appendChild(el("td", u.role_names.join("、")));
        tr.appendChild(el("td", u.active ? "正常" : "已停用", u.active ? {} : { class: "muted" }));
        var action = el("td");
        if (u.id !== me.id) {
          var toggle = el("button", u.active ? "停用" : "恢复", { type: "button", class: "small" });
          toggle.addEventListener("click", function () {
            api("PATCH", "/users/" + u.id, { active: !u.active }).then(function (res) {
              if (res.status !== 200) { note(res.data.message || "操作没有成功。"); }
              loadUsers();
            });
          });
          action.appendChild(toggle);
        }
        tr.appendChild(action);
        rows.appendChild(tr);
      });
      var box = $("add-roles");
      if (!box.querySelector("input")) {
        Object.keys(roleNames).forEach(function (key) {
          var label = el("label");
          label.appendChild(el("input", null, { type: "checkbox", name: "roles", value: key }));
          label.appendChild(document.createTextNode(roleNames[key]));
          box.appendChild(label);
        });
      }
    });
  }

  function loadAudit(event) {
    if (event) { event.preventDefault(); }
    var form = $("audit-form").elements;
    var query = "?username=" + encodeURIComponent(form.username.value.trim()) +
      "&action=" + encodeURIComponent(form.action.value.trim());
    api("GET", "/audit" + query).then(function (r) {
      if (r.status !== 200) { return; }
      var rows = $("audit-rows");
      rows.textContent = "";
      r.data.entries.forEach(function (e) {
        var tr = el("tr");
        tr.appendChild(el("td", new Date(e.at).toLocaleString("zh-CN", { hour12: false })));
        tr.appendChild(el("td", e.username));
        tr.appendChild(el("td", ACTIONS[e.action] || e.action, { title: e.action }));
        tr.appendChild(el("td", e.target || ""));
        tr.appendChild(el("td", Object.keys(e.detail).length ? JSON.stringify(e.detail) : ""));
        tr.appendChild(el("td", e.client, { class: "muted" }));
        rows.appendChild(tr);
      });
    });
  }

  $("login-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target.elements;
    $("login-error").textContent = "";
    api("POST", "/login", { username: form.username.value.trim(), password: form.password.value }).then(function (r) {
      form.password.value = "";
      if (r.status === 200) { return api("GET", "/me").then(function (m) { if (m.status === 200) { signedIn(m.data); } }); }
      $("login-error").textContent = r.data.message || "登录没有成功，请稍后再试。";
    });
  });

  $("add-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var form = event.target;
    var roles = Array.prototype.filter.call(form.querySelectorAll("input[name=roles]"), function (c) { return c.checked; })
      .map(function (c) { return c.value; });
    $("add-error").textContent = "";
    api("POST", "/users", {
      username: form.elements.username.value.trim(), display_name: form.elements.display_name.value.trim(),
      password: form.elements.password.value, roles: roles
    }).then(function (r) {
      if (r.status === 201) { form.reset(); loadUsers(); note("已新建账号 " + r.data.user.username + "。"); return; }
      $("add-error").textContent = r.data.message || "没有新建成功。";
    });
  });

  $("audit-form").addEventListener("submit", loadAudit);

  $("logout").addEventListener("click", function () {
    api("POST", "/logout", {}).then(function () { signedOut("已退出登录。"); });
  });

  window.Staff = {
    $: $, el: el, show: show, api: api, has: has, note: note,
    user: function () { return me; },
    isOpen: function (id) { return !!me && !$(id).hidden; },
    tab: function (definition) { TABS.push(definition); },
    actionNames: function (names) { Object.keys(names).forEach(function (k) { ACTIONS[k] = names[k]; }); }
  };
  // after every feature file (deferred, in order) has added its tabs
  document.addEventListener("DOMContentLoaded", function () {
    api("GET", "/me").then(function (r) { if (r.status === 200) { signedIn(r.data); } else { signedOut(""); } });
  });
})();
