/**
 * A modal dialog (the native `<dialog>`: focus stays inside, Escape closes, focus goes back where it was) and
 * `ConfirmDialog` for destructive actions, which can ask to type a name first.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Button, errorText } from "./button";

interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children?: ComponentChildren;
  footer?: ComponentChildren;
}

export function Dialog({ open, title, onClose, children, footer }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      const before = document.activeElement as HTMLElement | null;
      dialog.showModal();
      return () => {
        if (dialog.open) dialog.close();
        before?.focus?.();
      };
    }
    return undefined;
  }, [open]);
  if (!open) return null;
  return (
    <dialog
      ref={ref}
      class="pc-dialog"
      aria-labelledby="pc-dialog-title"
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id="pc-dialog-title" class="pc-dialog-title">
        {title}
      </h2>
      <div class="pc-dialog-body">{children}</div>
      {footer && <div class="pc-dialog-footer">{footer}</div>}
    </dialog>
  );
}

interface ConfirmProps {
  open: boolean;
  title: string;
  /** What will happen, in words. */
  message: ComponentChildren;
  confirmLabel: string;
  /** When set, the button stays disabled until this text is typed. */
  typeToConfirm?: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}

export function ConfirmDialog({ open, title, message, confirmLabel, typeToConfirm, danger = true, onConfirm, onClose }: ConfirmProps) {
  const [typed, setTyped] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => {
    if (open) {
      setTyped("");
      setError("");
    }
  }, [open]);
  const ready = !typeToConfirm || typed === typeToConfirm;
  const confirm = async () => {
    setBusy(true);
    setError("");
    try {
      await onConfirm();
      onClose();
    } catch (caught) {
      setError(errorText(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant={danger ? "danger" : "primary"} busy={busy} disabled={!ready} onClick={() => void confirm()}>
            {confirmLabel}
          </Button>
        </>
      }
    >
      <div class="pc-confirm-message">{message}</div>
      {typeToConfirm && (
        <label class="pc-field">
          <span class="pc-label">
            Type <code>{typeToConfirm}</code> to confirm
          </span>
          <input class="pc-input" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} autoComplete="off" />
        </label>
      )}
      {error && (
        <p class="pc-error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
