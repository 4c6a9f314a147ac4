/* The admins' insights page: a period's figures and charts, and the questions the bot
 * could not answer, grouped by meaning, each with a draft FAQ to edit and download.
 * Reads GET /api/admin/insights and POST /api/admin/insights/export with the console's
 * session (the same tab's sign-in). */
import { $, h, clear, toast } from "./dom.js";
import { state, loadSession, authorized } from "./state.js";
import { barChart } from "./charts.js";

function percent(share) { return share === null || share === undefined ? "–" : (share * 100).toFixed(1) + " %"; }
function seconds(value) { return value === null || value === undefined ? "–" : Math.round(value) + " s"; }

function failed(response, answer) {
  if (response.status === 401) return "Sign in to the console as an admin first.";
  return answer.message || "Refused (" + response.status + ").";
}

function load() {
  $("status").textContent = "Counting and grouping the questions of this period…";
  authorized("/api/admin/insights?since=" + encodeURIComponent($("period").value))
    .then((response) => response.json().catch(() => ({})).then((answer) => {
      if (!response.ok) throw new Error(failed(response, answer));
      show(answer);
    }))
    .catch((error) => { $("report").hidden = true; $("status").textContent = error.message; });
}

function chart(id, rows, describe, empty) {
  const box = $(id);
  clear(box);
  box.appendChild(rows.length ? barChart(rows, describe) : h("p", { class: "muted", text: empty }));
}

function show(report) {
  $("status").textContent = "From " + report.since + " to " + report.until + ".";
  $("report").hidden = false;
  $("conversations").textContent = report.conversations;
  $("containment").textContent = percent(report.containment_rate);
  $("handoffs").textContent = report.handoffs;
  $("waits").textContent = seconds(report.median_wait_s) + " / " + seconds(report.p90_wait_s);
  const csat = report.csat;
  $("csat").textContent = csat.average === null ? "–" : csat.average + " / 5 (" + csat.ratings + ")";
  chart("chart-reasons", Object.entries(report.handoffs_by_reason), "Hand-offs by reason", "No hand-offs.");
  chart("chart-ratings", Object.entries(csat.by_score), "Ratings by score", "No ratings.");
  chart("chart-faqs", Object.entries(report.faq_hits).filter((row) => row[1] > 0).slice(0, 12),
    "FAQ answers given", "No FAQ answers.");
  chart("chart-rejections", Object.entries(report.faq_rejections), "Rejected FAQ answers", "None rejected.");
  $("never-count").textContent = report.faqs_never_hit.length;
  $("never-hit").textContent = report.faqs_never_hit.join(", ") || "Every FAQ was used.";
  const list = $("clusters");
  clear(list);
  report.clusters.forEach((cluster) => list.appendChild(clusterCard(cluster)));
  $("clusters-empty").hidden = report.clusters.length > 0;
}

function clusterCard(cluster) {
  const draft = cluster.suggested_faq;
  const id = h("input", { value: draft.id, "aria-label": "FAQ id", spellcheck: "false" });
  const questions = h("textarea", { rows: Math.min(8, draft.questions.length + 1), "aria-label": "Questions, one per line" });
  questions.value = draft.questions.join("\n");
  const answer = h("textarea", { rows: 4, "aria-label": "Answer" });
  answer.value = draft.answer;
  const kind = h("select", { "aria-label": "Download as" }, [
    h("option", { value: "faq", text: "faq.yml entry" }),
    h("option", { value: "intent", text: "intent + story stub" }),
  ]);
  const edited = () => ({
    id: id.value.trim(),
    questions: questions.value.split("\n").map((line) => line.trim()).filter(Boolean),
    answer: answer.value.trim(),
  });
  return h("li", { class: "cluster", "data-cluster": cluster.id }, [
    h("h3", { text: cluster.size + " × " + cluster.examples[0] }),
    h("ul", {}, cluster.examples.slice(1).map((text) => h("li", { text }))),
    cluster.agent_replies.length ? h("p", { class: "muted", text: "Agents replied:" }) : null,
    h("ul", {}, cluster.agent_replies.map((text) => h("li", { text }))),
    h("div", { class: "draft" }, [
      h("label", { text: "FAQ id" }), id,
      h("label", { text: "Questions (one per line)" }), questions,
      h("label", { text: "Answer" }), answer,
      h("div", { class: "actions" }, [
        kind,
        h("button", { type: "button", class: "primary", text: "Download YAML", onclick: () => download(edited(), kind.value) }),
      ]),
    ]),
  ]);
}

function download(faq, kind) {
  authorized("/api/admin/insights/export", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ faq, as: kind }),
  }).then((response) => {
    if (!response.ok) return response.json().catch(() => ({})).then((answer) => { throw new Error(failed(response, answer)); });
    return response.blob().then((blob) => {
      const link = h("a", { href: URL.createObjectURL(blob), download: faq.id + ".yml" });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      toast("Downloaded " + faq.id + ".yml: review it, add it to bot/data/, train.");
    });
  }).catch((error) => toast(error.message, true));
}

state.session = loadSession();
$("period-form").addEventListener("submit", (event) => { event.preventDefault(); load(); });
if (state.session && state.session.token) load();
else $("status").textContent = "Sign in to the console as an admin first.";
