/**
 * New org (`/orgs/new`): a name (checked as the API checks it; it shares one namespace with usernames), a
 * display name and a description. The creator becomes its owner; the header lists it at once.
 */
import { useState } from "preact/hooks";
import { api, seg } from "../../api";
import { useTitle } from "../../hooks";
import { navigate } from "../../router";
import { useSession } from "../../session";
import type { Org } from "../../types";
import { Button, errorText } from "../../ui/button";
import { Field, FormError, Input } from "../../ui/form";
import { toast } from "../../ui/toast";
import { nameProblem } from "./logic";
import "./org.css";

export function NewOrgPage() {
  useTitle("New org");
  const { refresh } = useSession();
  const [name, setName] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [description, setDescription] = useState("");
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const problem = nameProblem(name);

  const submit = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (problem) return;
    setBusy(true);
    setError("");
    try {
      const org = await api.post<Org>("/api/orgs", { name, display_name: displayName.trim(), description: description.trim() });
      await refresh();
      toast.ok(`${org.name} was created; you are its owner`);
      navigate(`/orgs/${seg(org.name)}`);
    } catch (caught) {
      setError(errorText(caught));
      setBusy(false);
    }
  };

  return (
    <div class="pc-narrow pc-org-new">
      <h1>New org</h1>
      <p class="pc-muted">An org owns Spaces together: invite people, give them roles and group them in teams.</p>
      <form class="pc-card" onSubmit={submit} noValidate>
        <FormError error={error} />
        <Field
          label="Name"
          hint="Lower-case letters, digits and hyphens; it is part of its Spaces' addresses and cannot change"
          error={touched || name ? problem : ""}
        >
          <Input
            name="name"
            value={name}
            maxLength={39}
            autoComplete="off"
            autoCapitalize="none"
            spellcheck={false}
            aria-invalid={(touched || name) && problem ? true : undefined}
            onInput={(e) => setName(e.currentTarget.value.trim())}
          />
        </Field>
        <Field label="Display name (optional)">
          <Input name="display_name" value={displayName} maxLength={100} onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </Field>
        <Field label="Description (optional)" hint="Public: anyone can see it on the org's page">
          <textarea
            class="pc-input"
            name="description"
            rows={3}
            maxLength={500}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        </Field>
        <Button type="submit" variant="primary" busy={busy}>
          Create org
        </Button>
      </form>
    </div>
  );
}
