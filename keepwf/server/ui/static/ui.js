// keepwf web view: small progressive enhancement. The pages work without it; with it, the runs table of a workflow
// page gains rows for runs recorded by any process (keepwf run, trigger, serve) without a reload.
(function () {
  "use strict";
  var table = document.getElementById("runs");
  if (!table || !table.dataset.poll) return;
  var body = table.tBodies[0];
  var runUrl = table.dataset.runUrl;
  function cell(tr, text, cls) { var td = tr.insertCell(-1); if (cls) td.className = cls; td.textContent = text; return td; }
  function row(r) {
    var tr = document.createElement("tr");
    tr.dataset.run = r.run_id;
    tr.className = "fresh";
    var a = document.createElement("a"); a.href = runUrl.replace("RUNID", r.run_id);
    var code = document.createElement("code"); code.textContent = r.run_id.slice(0, 12); a.appendChild(code);
    tr.insertCell(-1).appendChild(a);
    cell(tr, r.started); cell(tr, r.version);
    var st = document.createElement("span"); st.className = "status status-" + r.status; st.textContent = r.status;
    tr.insertCell(-1).appendChild(st);
    cell(tr, r.duration); cell(tr, (r.trigger + " " + r.alert).trim()); cell(tr, r.error, "err");
    return tr;
  }
  function poll() {
    fetch(table.dataset.poll, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (!data) return;
        var known = {};
        Array.prototype.forEach.call(body.rows, function (tr) { if (tr.dataset.run) known[tr.dataset.run] = true; });
        var fresh = data.runs.filter(function (r) { return !known[r.run_id]; });
        if (!fresh.length) return;
        var none = body.querySelector("tr.none"); if (none) none.remove();
        fresh.reverse().forEach(function (r) { body.insertBefore(row(r), body.firstChild); });
      })
      .catch(function () {});
  }
  setInterval(poll, 1500);
})();
