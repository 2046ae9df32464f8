/**
 * The quota tab: the org's limits (Spaces, GPUs) and what it uses now, as bars (polled). Site administrators
 * may change the limits (`PUT /api/orgs/ORG/quota`); everyone else reads them.
 */
import { useState } from "preact/hooks";
import { api, seg } from "../../api";
import { POLL_MS, useResource } from "../../hooks";
import { useSession } from "../../session";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Input } from "../../ui/form";
import { Loaded, Section } from "../../ui/misc";
import { toast } from "../../ui/toast";
import { limitProblem, usage } from "./logic";
import type { OrgTabProps, Quota } from "./types";

// The API's bounds (QuotaIn).
const MAX_SPACES = 100_000;
const MAX_GPUS = 10_000;

export function QuotaTab({ org }: OrgTabProps) {
  const { me } = useSession();
  const path = `/api/orgs/${seg(org.name)}/quota`;
  const quota = useResource(() => api.get<Quota>(path), org.name, { poll: POLL_MS });
  return (
    <Loaded resource={quota}>
      {(q) => (
        <>
          <Section title="Quota" id="pc-org-quota">
            <p class="pc-muted">
              {q.custom
                ? `Limits set for ${org.name} by a site administrator.`
                : "The installation's default limits apply to this org."}{" "}
              Lowering a limit stops nothing that runs; new Spaces and starts are checked against it.
            </p>
            <div class="pc-org-meters" aria-live="polite">
              <Meter label="Spaces" used={q.spaces} max={q.max_spaces} hint="Spaces the org has" />
              <Meter label="GPUs" used={q.gpus_in_use} max={q.max_gpus} hint="GPUs held by running or starting Spaces" />
            </div>
          </Section>
          {me?.site_admin && <QuotaForm path={path} quota={q} onSaved={quota.setData} />}
        </>
      )}
    </Loaded>
  );
}

function Meter({ label, used, max, hint }: { label: string; used: number; max: number; hint: string }) {
  const u = usage(used, max);
  const id = `pc-org-meter-${label.toLowerCase()}`;
  return (
    <div class="pc-org-meter" data-meter={label.toLowerCase()}>
      <div class="pc-org-meter-head">
        <span id={id} class="pc-label">
          {label}
        </span>
        <span class="pc-org-meter-value">{u.label}</span>
      </div>
      <div
        class={`pc-org-bar pc-org-bar-${u.level}`}
        role="meter"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={Math.min(used, max)}
        aria-valuetext={`${u.label} used`}
      >
        <span style={{ width: `${u.percent}%` }} />
      </div>
      <span class="pc-hint">{hint}</span>
    </div>
  );
}

function QuotaForm({ path, quota, onSaved }: { path: string; quota: Quota; onSaved: (q: Quota) => void }) {
  const [spaces, setSpaces] = useState(String(quota.max_spaces));
  const [gpus, setGpus] = useState(String(quota.max_gpus));
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const problems = { spaces: limitProblem(spaces, MAX_SPACES), gpus: limitProblem(gpus, MAX_GPUS) };
  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (problems.spaces || problems.gpus) return;
    setBusy(true);
    setError("");
    try {
      onSaved(await api.put<Quota>(path, { max_spaces: Number(spaces), max_gpus: Number(gpus) }));
      toast.ok("The quota was saved");
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Change the limits" id="pc-org-quota-edit">
      <p class="pc-muted">You are a site administrator: you may set this org's limits.</p>
      <form class="pc-org-form" onSubmit={submit} noValidate>
        <FormError error={error} />
        <div class="pc-org-fields">
          <Field label="Max Spaces" error={touched ? problems.spaces : ""}>
            <Input type="number" min={0} max={MAX_SPACES} inputMode="numeric" value={spaces} onInput={(e) => setSpaces(e.currentTarget.value)} />
          </Field>
          <Field label="Max GPUs" error={touched ? problems.gpus : ""}>
            <Input type="number" min={0} max={MAX_GPUS} inputMode="numeric" value={gpus} onInput={(e) => setGpus(e.currentTarget.value)} />
          </Field>
        </div>
        <Button type="submit" variant="primary" busy={busy}>
          Save limits
        </Button>
      </form>
    </Section>
  );
}
