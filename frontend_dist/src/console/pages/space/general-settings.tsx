/**
 * The Space's general settings (admins): title, visibility, hardware (with the owner org's GPU quota and usage;
 * flavors that would go over it are marked, the others say how many fit on the nodes now), sleep time and deep-link retention, saved with one PATCH of what
 * changed. The API's refusal is shown beside the form as it is.
 */
import { useState } from "preact/hooks";
import { api, getAll, seg } from "../../api";
import { useResource } from "../../hooks";
import { useSession } from "../../session";
import type { Capacity, Flavor, Space, Visibility } from "../../types";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Input, Select } from "../../ui/form";
import { Section } from "../../ui/misc";
import { toast } from "../../ui/toast";
import { freeNote } from "../home/space-form";
import {
  flavorLabel,
  formFrom,
  heldGpus,
  MAX_RETENTION_DAYS,
  MIN_RETENTION_DAYS,
  quotaProblem,
  retentionProblem,
  settingsChanges,
  sleepOptions,
  type SettingsForm,
} from "./settings";
import { spaceApi, type Quota } from "./types";

const VISIBILITY: Record<Visibility, string> = {
  public: "Public: anyone, signed in or not",
  org: "Org: the owner org's members",
  private: "Private: only those given access",
};

interface Props {
  space: Space;
  onChange: (space: Space) => void;
}

export function GeneralSettings({ space, onChange }: Props) {
  const { me, orgs } = useSession();
  const ownerIsOrg = orgs.some((org) => org.name === space.owner) || space.visibility === "org";
  const personal = !ownerIsOrg && me?.username === space.owner;
  const flavors = useResource(() => getAll<Flavor>("/api/hardware"), "hardware");
  const capacity = useResource(() => api.get<Capacity>("/api/hardware/capacity").catch(() => null), "capacity");
  const quota = useResource<Quota | null>(
    () => (ownerIsOrg ? api.get<Quota>(`/api/orgs/${seg(space.owner)}/quota`).catch(() => null) : Promise.resolve(null)),
    `${space.owner}:${ownerIsOrg}`,
  );
  const [form, setForm] = useState<SettingsForm>(() => formFrom(space));
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const set = (change: Partial<SettingsForm>) => setForm({ ...form, ...change });

  const flavorList = flavors.data ?? [];
  const context = { quota: quota.data ?? null, personal, heldGpus: heldGpus(space, flavorList) };
  const hardwareOptions = flavorList
    .filter((flavor) => flavor.available || flavor.name === space.hardware)
    .map((flavor) => {
      const problem = quotaProblem(flavor, context);
      const free = flavor.name === space.hardware ? "" : freeNote(flavor, capacity.data);
      return { value: flavor.name, label: flavorLabel(flavor) + (problem ? ` — ${problem}` : free ? ` — ${free}` : "") };
    });
  if (!hardwareOptions.some((option) => option.value === form.hardware)) {
    hardwareOptions.unshift({ value: form.hardware, label: form.hardware });
  }
  const chosen = flavorList.find((flavor) => flavor.name === form.hardware);
  const chosenProblem = chosen ? quotaProblem(chosen, context) : "";
  const visibilities = (Object.keys(VISIBILITY) as Visibility[])
    .filter((v) => v !== "org" || !personal)
    .map((v) => ({ value: v, label: VISIBILITY[v] }));
  const retentionError = retentionProblem(form.retentionDays);

  const save = async (event: Event) => {
    event.preventDefault();
    if (retentionError) return;
    const changes = settingsChanges(space, form);
    if (Object.keys(changes).length === 0) {
      toast.ok("Nothing to save");
      return;
    }
    setBusy(true);
    setError("");
    try {
      const saved = await api.patch<Space>(spaceApi(space.owner, space.name), changes);
      onChange(saved);
      setForm(formFrom(saved));
      toast.ok("Settings saved");
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };

  const q = quota.data;
  return (
    <Section title="General" id="pc-space-general">
      <form onSubmit={save} class="pc-space-settings-form" noValidate>
        <FormError error={error} />
        <Field label="Title">
          <Input value={form.title} maxLength={100} onInput={(e) => set({ title: e.currentTarget.value })} />
        </Field>
        <Field label="Visibility">
          <Select value={form.visibility} options={visibilities} onChange={(visibility) => set({ visibility })} />
        </Field>
        <Field
          label="Hardware"
          hint={
            q ? (
              <span data-testid="quota">
                Org {q.org} uses {q.gpus_in_use} of {q.max_gpus} GPUs and has {q.spaces} of {q.max_spaces} Spaces.
              </span>
            ) : personal ? (
              "Personal Spaces run on CPU hardware."
            ) : undefined
          }
          error={chosenProblem ? `This hardware is ${chosenProblem}: the Space would wait for it.` : undefined}
        >
          <Select value={form.hardware} options={hardwareOptions} onChange={(hardware) => set({ hardware })} />
        </Field>
        <Field label="Sleep after" hint="How long the Space may be idle before it sleeps; a visit wakes it.">
          <Select value={form.sleepTime} options={sleepOptions(space.sleep_time)} onChange={(sleepTime) => set({ sleepTime })} />
        </Field>
        <Field
          label="Keep deep links (days)"
          hint={`${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}; changing it moves the expiry of existing links too.`}
          error={retentionError || undefined}
        >
          <Input
            type="number"
            min={MIN_RETENTION_DAYS}
            max={MAX_RETENTION_DAYS}
            value={form.retentionDays}
            onInput={(e) => set({ retentionDays: e.currentTarget.value })}
          />
        </Field>
        <div class="pc-row">
          <Button type="submit" variant="primary" busy={busy} disabled={Boolean(retentionError)}>
            Save settings
          </Button>
          <Button onClick={() => setForm(formFrom(space))}>Reset</Button>
        </div>
      </form>
    </Section>
  );
}
