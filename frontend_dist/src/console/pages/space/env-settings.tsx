/**
 * A Space's secrets and variables (admins), given to its app as environment variables on its next start.
 * Secrets are write-only: the list shows names and dates, a value is typed to set or replace one and never
 * shown again. Variables show their values and can be edited. Each save shows the API's refusal as it is.
 */
import { useState } from "preact/hooks";
import { api, getAll, seg } from "../../api";
import { useResource } from "../../hooks";
import type { Space } from "../../types";
import { Button, errorText } from "../../ui/button";
import { ConfirmDialog, Dialog } from "../../ui/dialog";
import { Field, FormError, Input } from "../../ui/form";
import { Empty, ErrorNote, Section, Spinner, Time } from "../../ui/misc";
import { TableHead } from "../../ui/table-head";
import { toast } from "../../ui/toast";
import { envNameProblem } from "./settings";
import { spaceApi, type SecretItem, type VariableItem } from "./types";

type Kind = "secret" | "variable";

interface EnvItem {
  name: string;
  value?: string;
  created_at: string;
  updated_at?: string;
}

/** The form that adds one: name and value (a password field for secrets). */
function AddForm({ kind, save }: { kind: Kind; save: (name: string, value: string) => Promise<void> }) {
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const problem = envNameProblem(name.trim());
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError("");
    try {
      await save(name.trim(), value);
      setName("");
      setValue("");
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="pc-env-add" onSubmit={submit} noValidate data-testid={`add-${kind}`}>
      <FormError error={error} />
      <div class="pc-env-add-fields">
        <Field label="Name">
          <Input value={name} autoComplete="off" spellcheck={false} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label="Value">
          <Input
            type={kind === "secret" ? "password" : "text"}
            value={value}
            autoComplete={kind === "secret" ? "new-password" : "off"}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          {kind === "secret" ? "Add secret" : "Add variable"}
        </Button>
      </div>
    </form>
  );
}

/** A dialog that sets a new value of `name` (empty for secrets, the current one for variables). */
function ValueDialog({ kind, item, onClose, save }: {
  kind: Kind;
  item: EnvItem | null;
  onClose: () => void;
  save: (name: string, value: string) => Promise<void>;
}) {
  const [value, setValue] = useState(item?.value ?? "");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (!item) return;
    setBusy(true);
    setError("");
    try {
      await save(item.name, value);
      onClose();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  const title = kind === "secret" ? `Replace secret ${item?.name}` : `Edit variable ${item?.name}`;
  return (
    <Dialog open={item !== null} title={title} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <FormError error={error} />
        <Field label="New value" hint={kind === "secret" ? "The value is stored encrypted and never shown again." : undefined}>
          <Input
            type={kind === "secret" ? "password" : "text"}
            value={value}
            autoComplete={kind === "secret" ? "new-password" : "off"}
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </Field>
        <div class="pc-dialog-footer">
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" variant="primary" busy={busy}>
            Save
          </Button>
        </div>
      </form>
    </Dialog>
  );
}

function EnvSection({ space, kind }: { space: Space; kind: Kind }) {
  const base = `${spaceApi(space.owner, space.name)}/${kind === "secret" ? "secrets" : "variables"}`;
  const list = useResource<EnvItem[]>(
    () => (kind === "secret" ? getAll<SecretItem>(base) : getAll<VariableItem>(base)),
    base,
  );
  const [editing, setEditing] = useState<EnvItem | null>(null);
  const [removing, setRemoving] = useState<EnvItem | null>(null);
  const noun = kind === "secret" ? "Secret" : "Variable";

  const save = async (name: string, value: string) => {
    await api.put(`${base}/${seg(name)}`, { value });
    toast.ok(`${noun} ${name} saved; the app gets it on its next start`);
    await list.reload();
  };
  const remove = async (name: string) => {
    await api.del(`${base}/${seg(name)}`);
    toast.ok(`${noun} ${name} deleted`);
    await list.reload();
  };

  let body;
  if (list.error && !list.data) body = <ErrorNote error={list.error} retry={() => void list.reload()} />;
  else if (!list.data) body = <Spinner />;
  else if (list.data.length === 0) body = <Empty title={kind === "secret" ? "No secrets" : "No variables"} />;
  else {
    body = (
      <table class="pc-table" data-testid={`${kind}s`}>
        <TableHead columns={["Name", kind === "secret" ? "Updated" : "Value"]} />
        <tbody>
          {list.data.map((item) => (
            <tr key={item.name} data-name={item.name}>
              <td data-label="Name" class="pc-mono">
                {item.name}
              </td>
              {kind === "secret" ? (
                <td data-label="Updated">
                  <Time iso={item.updated_at} />
                </td>
              ) : (
                <td data-label="Value" class="pc-mono pc-env-value">
                  {item.value}
                </td>
              )}
              <td class="pc-actions">
                <Button variant="ghost" onClick={() => setEditing(item)} aria-label={`${kind === "secret" ? "Replace" : "Edit"} ${item.name}`}>
                  {kind === "secret" ? "Replace" : "Edit"}
                </Button>
                <Button variant="ghost" onClick={() => setRemoving(item)} aria-label={`Delete ${item.name}`}>
                  Delete
                </Button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <Section title={kind === "secret" ? "Secrets" : "Variables"} id={`pc-space-${kind}s`}>
      <p class="pc-muted">
        {kind === "secret"
          ? "Environment variables whose values are stored encrypted and never shown again: for tokens and passwords."
          : "Plain environment variables of the app; anyone with write access can read them."}
      </p>
      {body}
      <AddForm kind={kind} save={save} />
      <ValueDialog key={editing?.name ?? ""} kind={kind} item={editing} onClose={() => setEditing(null)} save={save} />
      <ConfirmDialog
        open={removing !== null}
        title={`Delete ${kind} ${removing?.name}?`}
        message={<p>The app keeps it until its next start.</p>}
        confirmLabel="Delete"
        onConfirm={() => remove((removing as EnvItem).name)}
        onClose={() => setRemoving(null)}
      />
    </Section>
  );
}

export function SecretsSection({ space }: { space: Space }) {
  return <EnvSection space={space} kind="secret" />;
}

export function VariablesSection({ space }: { space: Space }) {
  return <EnvSection space={space} kind="variable" />;
}
