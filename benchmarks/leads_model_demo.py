"""The predictive lead score beside the demo's rule score, on the demo business.

Simulates the business ``pacer demo`` makes (``SimConfig(seed, contacts, months)``, by
default the demo's 7, 20,000 and 12), loads its locations and its leads into a fresh
workspace through the demo's own loader (``pacer.demo.leads.load_leads``: the capture
path, the demo's score rules ``SCORE_RULES``, the first responses and conversions), fits
the predictive score as the demo does (``predictive.fit_workspace``) and prints, on the
fit's held-out leads: the predictive and rule AUCs, the AUC of the simulator's true
chance to convert as known at arrival (``simulate.leads.expected_probability``: the best
a score that does not know the response delay can do) and both scores' lift by tenth.
The rules are fixed in ``pacer/demo/leads.py`` beforehand; nothing here is tuned.

Run: .venv/bin/python benchmarks/leads_model_demo.py [SEED] [CONTACTS] [MONTHS]
"""

import os
import resource
import sys
import time
from datetime import UTC, datetime

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

django_in_temp_dir("pacer-bench-lead-model-")
import numpy as np  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from pacer.core import actions as core_actions  # noqa: E402
from pacer.demo.leads import SCORE_RULES, load_leads  # noqa: E402
from pacer.leads import predictive  # noqa: E402
from pacer.people.actions import upsert_locations  # noqa: E402
from pacer.people.models import Contact  # noqa: E402
from pacer.simulate.business import generate  # noqa: E402
from pacer.simulate.config import SimConfig  # noqa: E402
from pacer.simulate.leads import expected_probability  # noqa: E402
from pacer.simulate.segment import lead_submissions  # noqa: E402

SEED = int(sys.argv[1]) if len(sys.argv) > 1 else 7
CONTACTS = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
MONTHS = int(sys.argv[3]) if len(sys.argv) > 3 else 12

started, load_before = time.time(), os.getloadavg()
business = generate(SimConfig(seed=SEED, contacts=CONTACTS, months=MONTHS))
workspace = core_actions.create_workspace("Model demo", slug="demo")
codes, names = business.location_codes, business.location_names
upsert_locations(workspace, [{"code": c, "name": n} for c, n in zip(codes, names, strict=True)])
end = datetime.fromtimestamp(business.start + business.config.weeks * 7 * 86_400, UTC)
load_leads(workspace, business, now=end, fit_score=False)
run = predictive.fit_workspace(workspace, end)

# the held-out leads again (as tests/leads/test_predictive.py finds them), and the truth
rows, converted = predictive.settled_leads(workspace, end)
_, model_rows = train_test_split(
    np.arange(len(rows)), test_size=0.25, stratify=converted, random_state=0
)
assert len(model_rows) == run.holdout, "the fit's holdout split changed"
outcome = np.asarray(converted)[model_rows]
emails = dict(Contact.objects.filter(workspace=workspace).values_list("id", "email"))
index = {s.data["email"]: s.contact for s in lead_submissions(business) if s.data}
people = np.asarray([index[emails[rows[p]["contact_id"]]] for p in model_rows])
truth = expected_probability(
    business.config,
    business.lead_at[people],
    business.contact_location[people],
    business.lead_form[people],
    business.lead_phone[people],
)
usage = resource.getrusage(resource.RUSAGE_SELF)
print("rules: " + ", ".join(f"{rule['name']} {rule['points']:g}" for rule in SCORE_RULES))
print(
    f"seed {SEED}, {CONTACTS:,} contacts, {MONTHS} months: trained on {run.trained_on} "
    f"settled leads, judged on {run.holdout} held out (conversion {run.base_rate:.3f})"
)
print(
    f"AUC: predictive {run.auc:.3f}, rule score {run.rule_auc:.3f}, truth at arrival "
    f"{roc_auc_score(outcome, truth):.3f}; predictive Brier {run.brier:.4f}"
)
lifts = zip(run.lift["predictive"], run.lift["rule"], strict=True)
for tenth, (mine, rule) in enumerate(lifts, start=1):
    print(f"tenth {tenth:2}: lift predictive {mine:.2f}  rule {rule:.2f}")
print(
    f"simulate, load and fit: wall {time.time() - started:.0f} s; process CPU "
    f"{usage.ru_utime + usage.ru_stime:.0f} s (the migrations included); "
    f"load {load_before[0]:.1f} -> {os.getloadavg()[0]:.1f}"
)
