/**
 * The New Space form: owner and name (checked as the API checks them), title, visibility, hardware (from
 * `GET /api/hardware`, unavailable flavors shown but not selectable, with how many fit on the nodes now), SDK and sleep time; `POST /api/spaces`.
 * The API's refusal (a taken name, a quota) shows beside the form as it is. The push commands beside it follow
 * the choices as they change.
 */
import { useRef, useState } from "preact/hooks";
import { api, getAll } from "../../api";
import { useResource } from "../../hooks";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Input, Select } from "../../ui/form";
import { ErrorNote, Spinner } from "../../ui/misc";
import { PushHelp } from "./push-help";
import {
  DEFAULT_HARDWARE,
  DEFAULT_SLEEP_TIME,
  NAME_MAX,
  SDKS,
  SLEEP_PRESETS,
  flavorSpecs,
  freeNote,
  nameProblem,
  visibilityChoices,
} from "./space-form";
import type { Capacity, Flavor, Sdk, Space, Visibility } from "./types";

interface NewSpaceFormProps {
  owners: string[];
  /** The owner to start with. */
  initialOwner: string;
  /** Owners that are orgs (the others are the user). */
  orgNames: ReadonlySet<string>;
  onCreated: (space: Space) => void;
}

interface HardwareChoicesProps {
  flavors: Flavor[];
  capacity: Capacity | null | undefined;
  value: string;
  onChange: (name: string) => void;
}

function HardwareChoices({ flavors, capacity, value, onChange }: HardwareChoicesProps) {
  return (
    <fieldset class="pc-choices">
      <legend>Hardware</legend>
      {flavors.map((flavor) => (
        <label key={flavor.name} class={`pc-choice${flavor.available ? "" : " pc-choice-disabled"}`}>
          <input
            type="radio"
            name="hardware"
            value={flavor.name}
            checked={value === flavor.name}
            disabled={!flavor.available}
            onChange={() => onChange(flavor.name)}
          />
          <span class="pc-choice-text">
            <span>
              {flavor.display_name} <span class="pc-muted pc-mono">{flavor.name}</span>
              {!flavor.available && <span class="pc-muted"> (unavailable)</span>}
            </span>
            <small>{[flavorSpecs(flavor), freeNote(flavor, capacity)].filter(Boolean).join(" · ")}</small>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

export function NewSpaceForm({ owners, initialOwner, orgNames, onCreated }: NewSpaceFormProps) {
  const [owner, setOwner] = useState(initialOwner);
  const [name, setName] = useState("");
  const [nameTouched, setNameTouched] = useState(false);
  const [title, setTitle] = useState("");
  const [visibility, setVisibility] = useState<Visibility>("public");
  const [hardware, setHardware] = useState(DEFAULT_HARDWARE);
  const [sdk, setSdk] = useState<Sdk>("podium");
  const [sleepTime, setSleepTime] = useState(DEFAULT_SLEEP_TIME);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const nameInput = useRef<HTMLInputElement>(null);
  const flavors = useResource(() => getAll<Flavor>("/api/hardware"), "hardware");
  const capacity = useResource(() => api.get<Capacity>("/api/hardware/capacity").catch(() => null), "capacity");

  const ownerIsOrg = orgNames.has(owner);
  const visibilities = visibilityChoices(ownerIsOrg, owner);
  const chosenVisibility = visibilities.some((v) => v.value === visibility) ? visibility : "public";
  const available = flavors.data?.filter((f) => f.available) ?? [];
  const chosenHardware = available.some((f) => f.name === hardware) ? hardware : (available[0]?.name ?? hardware);
  const problem = nameProblem(name.trim());

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (problem) {
      setNameTouched(true);
      nameInput.current?.focus();
      return;
    }
    setBusy(true);
    setError("");
    try {
      const body = {
        owner,
        name: name.trim(),
        title: title.trim(),
        visibility: chosenVisibility,
        hardware: chosenHardware,
        sdk,
        sleep_time: sleepTime,
      };
      onCreated(await api.post<Space>("/api/spaces", body));
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <div class="pc-new-space">
      <form class="pc-card" onSubmit={(event) => void submit(event)} aria-busy={busy || undefined} noValidate>
        <FormError error={error} />
        <div class="pc-owner-name">
          <Field label="Owner">
            <Select name="owner" value={owner} options={owners} onChange={setOwner} />
          </Field>
          <span class="pc-owner-slash" aria-hidden="true">
            /
          </span>
          <Field label="Name" hint={`Part of its URL: lower-case letters, digits and single hyphens, up to ${NAME_MAX}`}
            error={nameTouched && problem ? problem : undefined}>
            <input
              ref={nameInput}
              class="pc-input"
              name="name"
              value={name}
              onInput={(e) => {
                setName(e.currentTarget.value);
                setError(""); // the API's answer was about the name before
              }}
              onBlur={() => name && setNameTouched(true)}
              autoComplete="off"
              autoCapitalize="none"
              spellcheck={false}
              maxLength={NAME_MAX + 10}
              aria-invalid={nameTouched && problem ? true : undefined}
              required
            />
          </Field>
        </div>
        <Field label="Title (optional)" hint="Shown on its card and page; the name when empty">
          <Input name="title" value={title} maxLength={100} onInput={(e) => setTitle(e.currentTarget.value)} />
        </Field>
        <fieldset class="pc-choices">
          <legend>Visibility</legend>
          {visibilities.map((choice) => (
            <label key={choice.value} class="pc-choice">
              <input
                type="radio"
                name="visibility"
                value={choice.value}
                checked={chosenVisibility === choice.value}
                onChange={() => setVisibility(choice.value)}
              />
              <span class="pc-choice-text">
                <span>{choice.label}</span>
                <small>{choice.hint}</small>
              </span>
            </label>
          ))}
        </fieldset>
        {flavors.data ? (
          <HardwareChoices flavors={flavors.data} capacity={capacity.data} value={chosenHardware} onChange={setHardware} />
        ) : flavors.error ? (
          <ErrorNote error={flavors.error} retry={() => void flavors.reload()} />
        ) : (
          <Spinner label="Loading hardware" />
        )}
        <Field label="SDK" hint="How the folder runs: a Podium or Gradio app file, or a Dockerfile">
          <Select name="sdk" value={sdk} options={SDKS} onChange={setSdk} />
        </Field>
        <Field label="Sleep" hint="An idle Space sleeps and frees its hardware; the next visit wakes it">
          <Select
            name="sleep_time"
            value={String(sleepTime)}
            options={SLEEP_PRESETS.map((preset) => ({ value: String(preset.value), label: preset.label }))}
            onChange={(value) => setSleepTime(Number(value))}
          />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Create Space
        </Button>
      </form>
      <aside class="pc-card" aria-labelledby="pc-push-first">
        <h2 id="pc-push-first">Or push from your machine</h2>
        <p class="pc-muted">The CLI can create the Space as it uploads your app's folder.</p>
        <PushHelp
          owner={owner}
          name={problem ? "NAME" : name.trim()}
          title={title.trim()}
          sdk={sdk}
          choices={{ visibility: chosenVisibility, hardware: chosenHardware, sleepTime }}
        />
      </aside>
    </div>
  );
}
