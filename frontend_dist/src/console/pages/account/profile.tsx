/** The profile tab: display name and email, the password (change it, or set one), and signing out everywhere. */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError } from "../../api";
import { useSession } from "../../session";
import type { Me } from "../../types";
import { Button, errorText } from "../../ui/button";
import { ConfirmDialog } from "../../ui/dialog";
import { Field, FormError, Input } from "../../ui/form";
import { Section, Time } from "../../ui/misc";
import { toast } from "../../ui/toast";
import { passwordMismatch, profileChanges } from "./model";

/** The API's error split into the field it is about (by its code) and the rest. */
function fieldError(error: unknown, codes: Record<string, string>): { field: string; text: string } {
  const field = error instanceof ApiError ? (codes[error.code] ?? "") : "";
  return { field, text: errorText(error) };
}

type Submit = JSX.TargetedEvent<HTMLFormElement>;

function ProfileForm({ me }: { me: Me }) {
  const { refresh } = useSession();
  const [displayName, setDisplayName] = useState(me.display_name);
  const [email, setEmail] = useState(me.email ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState({ field: "", text: "" });
  const changes = profileChanges(me, { display_name: displayName, email });
  const dirty = Object.keys(changes).length > 0;

  const save = async (event: Submit) => {
    event.preventDefault();
    if (!dirty) return;
    setBusy(true);
    setError({ field: "", text: "" });
    try {
      await api.patch<Me>("/api/user", changes);
      await refresh();
      toast.ok("Profile saved");
    } catch (caught) {
      setError(fieldError(caught, { invalid_email: "email", email_taken: "email" }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Section title="Profile" id="pc-account-profile">
      <form onSubmit={(e) => void save(e)} class="pc-account-form" noValidate>
        <Field label="Username" hint="Your name in URLs (NAME--USERNAME); it cannot be changed.">
          <Input value={me.username} readOnly disabled />
        </Field>
        <Field label="Display name" hint="Shown beside your username.">
          <Input name="display_name" value={displayName} maxLength={100} autoComplete="name"
            onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </Field>
        <Field label="Email" error={error.field === "email" ? error.text : ""}>
          <Input name="email" type="email" value={email} maxLength={320} autoComplete="email"
            aria-invalid={error.field === "email" || undefined}
            onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        {error.field === "" && <FormError error={error.text} />}
        <div class="pc-row">
          <Button type="submit" variant="primary" busy={busy} disabled={!dirty}>
            Save profile
          </Button>
          <span class="pc-muted">
            Member since <Time iso={me.created_at} />
          </span>
        </div>
      </form>
    </Section>
  );
}

function PasswordForm({ me }: { me: Me }) {
  const { refresh } = useSession();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState({ field: "", text: "" });

  const change = async (event: Submit) => {
    event.preventDefault();
    const mismatch = passwordMismatch(next, confirm);
    if (mismatch) {
      setError({ field: "confirm", text: mismatch });
      return;
    }
    setBusy(true);
    setError({ field: "", text: "" });
    try {
      const body = me.has_password ? { current_password: current, new_password: next } : { new_password: next };
      const done = await api.post<{ sessions_ended: number }>("/api/user/password", body);
      setCurrent("");
      setNext("");
      setConfirm("");
      await refresh();
      const others = done.sessions_ended;
      toast.ok(
        `${me.has_password ? "Password changed" : "Password set"}` +
          (others ? `; ${others} other session${others === 1 ? "" : "s"} signed out` : ""),
      );
    } catch (caught) {
      setError(fieldError(caught, { wrong_password: "current", weak_password: "new" }));
    } finally {
      setBusy(false);
    }
  };
  const title = me.has_password ? "Change password" : "Set a password";
  return (
    <Section title={title} id="pc-account-password">
      {!me.has_password && (
        <p class="pc-note">
          You sign in through a linked account. With a password you can also sign in with your username.
        </p>
      )}
      <form onSubmit={(e) => void change(e)} class="pc-account-form" noValidate>
        {/* Lets password managers tie the new password to this account. */}
        <input type="text" name="username" value={me.username} autoComplete="username" hidden readOnly />
        {me.has_password && (
          <Field label="Current password" error={error.field === "current" ? error.text : ""}>
            <Input name="current_password" type="password" value={current} autoComplete="current-password" required
              aria-invalid={error.field === "current" || undefined}
              onInput={(e) => setCurrent(e.currentTarget.value)} />
          </Field>
        )}
        <Field label="New password" hint="At least 10 characters; not your username or email."
          error={error.field === "new" ? error.text : ""}>
          <Input name="new_password" type="password" value={next} autoComplete="new-password" required
            aria-invalid={error.field === "new" || undefined}
            onInput={(e) => setNext(e.currentTarget.value)} />
        </Field>
        <Field label="New password again" error={error.field === "confirm" ? error.text : ""}>
          <Input name="confirm_password" type="password" value={confirm} autoComplete="new-password" required
            aria-invalid={error.field === "confirm" || undefined}
            onInput={(e) => setConfirm(e.currentTarget.value)} />
        </Field>
        {error.field === "" && <FormError error={error.text} />}
        <p class="pc-hint">Your other browser sessions are signed out; API tokens keep working.</p>
        <Button type="submit" variant="primary" busy={busy} disabled={!next || (me.has_password && !current)}>
          {title}
        </Button>
      </form>
    </Section>
  );
}

function SignOutEverywhere() {
  const { signOut } = useSession();
  const [open, setOpen] = useState(false);
  const signOutAll = async () => {
    const done = await api.post<{ sessions_ended: number }>("/api/auth/logout-all");
    toast.ok(`Signed out of ${done.sessions_ended} session${done.sessions_ended === 1 ? "" : "s"}`);
    // The session is gone already; this forgets the user here and goes to the sign-in page in one step.
    await signOut();
  };
  return (
    <Section title="Sign out everywhere" id="pc-account-sessions">
      <p>
        Ends every browser session of yours, this one included: on other computers, phones and browsers too. API
        tokens keep working; revoke them under API tokens.
      </p>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Sign out everywhere
      </Button>
      <ConfirmDialog
        open={open}
        title="Sign out everywhere?"
        message="Every browser signed in as you, this one included, will have to sign in again."
        confirmLabel="Sign out everywhere"
        onConfirm={signOutAll}
        onClose={() => setOpen(false)}
      />
    </Section>
  );
}

export function ProfileTab() {
  const { me } = useSession();
  if (!me) return null;
  return (
    <>
      <ProfileForm me={me} />
      <PasswordForm me={me} />
      <SignOutEverywhere />
    </>
  );
}
