// The form generated from a tool's input schema (see ../schemaform.ts).
import { useMemo, useState } from 'preact/hooks';
import { buildArguments, fieldsFor, initialValues, type Field, type Values } from '../schemaform';

function FieldInput({ f, values, set, errors }: { f: Field; values: Values; set: (p: string, v: string | boolean) => void; errors: Record<string, string> }) {
  const id = `arg-${f.path}`;
  const err = errors[f.path];
  const help = f.description || (f.kind === 'json' ? `JSON (${f.expect})` : '');
  const label = (
    <span class="field-label">
      {f.title || f.name}
      {f.required && <span class="req" aria-label="required"> *</span>}
      <span class="muted small"> {f.kind === 'json' ? f.expect : f.kind === 'enum' ? 'choice' : f.kind}</span>
    </span>
  );
  const describedBy = [help ? `${id}-help` : '', err ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name: f.path, 'aria-invalid': err ? true : undefined, 'aria-describedby': describedBy };
  let input;
  const v = values[f.path];
  switch (f.kind) {
    case 'object':
      return (
        <fieldset class="nested">
          <legend>{label}</legend>
          {help && <p class="muted small">{help}</p>}
          {(f.fields ?? []).map((c) => (
            <FieldInput key={c.path} f={c} values={values} set={set} errors={errors} />
          ))}
        </fieldset>
      );
    case 'boolean':
      return (
        <div class="field check">
          <label for={id}>
            <input {...common} type="checkbox" checked={v === true} onChange={(e) => set(f.path, (e.target as HTMLInputElement).checked)} />{' '}
            {label}
          </label>
          {help && <p id={`${id}-help`} class="muted small">{help}</p>}
        </div>
      );
    case 'enum':
      input = (
        <select {...common} value={String(v ?? '')} onChange={(e) => set(f.path, (e.target as HTMLSelectElement).value)}>
          {!f.required && <option value="">(not set)</option>}
          {f.required && v === '' && <option value="">Choose…</option>}
          {(f.options ?? []).map((o) => (
            <option key={JSON.stringify(o)} value={JSON.stringify(o)}>
              {typeof o === 'string' ? o : JSON.stringify(o)}
            </option>
          ))}
        </select>
      );
      break;
    case 'json':
      input = (
        <textarea {...common} rows={3} class="mono" value={String(v ?? '')} onInput={(e) => set(f.path, (e.target as HTMLTextAreaElement).value)} placeholder={f.expect === 'array' ? '["…"]' : f.expect === 'object' ? '{"…": …}' : ''} />
      );
      break;
    default:
      input = (
        <input
          {...common}
          type={f.kind === 'string' ? 'text' : 'number'}
          step={f.kind === 'integer' ? 1 : 'any'}
          value={String(v ?? '')}
          onInput={(e) => set(f.path, (e.target as HTMLInputElement).value)}
        />
      );
  }
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {input}
      {help && (
        <p id={`${id}-help`} class="muted small">
          {help}
        </p>
      )}
      {err && (
        <p id={`${id}-err`} class="field-error">
          {f.path} {err}
        </p>
      )}
    </div>
  );
}

/**
 * Renders the fields of `schema`; on submit, hands the built arguments to
 * onSubmit, or shows what is wrong with the values. "Edit as JSON" covers
 * schemas the fields cannot express.
 */
export function SchemaForm({ schema, onSubmit, busy, submitLabel = 'Call' }: { schema: unknown; onSubmit: (args: Record<string, unknown>) => void; busy?: boolean; submitLabel?: string }) {
  const fields = useMemo(() => fieldsFor(schema), [schema]);
  const [values, setValues] = useState<Values>(() => initialValues(fields));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [raw, setRaw] = useState<string | null>(null);
  const set = (p: string, v: string | boolean) => setValues((old) => ({ ...old, [p]: v }));
  const submit = (e: Event) => {
    e.preventDefault();
    if (raw !== null) {
      try {
        const args = JSON.parse(raw || '{}');
        if (typeof args !== 'object' || args === null || Array.isArray(args)) throw new Error('the arguments must be a JSON object');
        setErrors({});
        onSubmit(args);
      } catch (err) {
        setErrors({ _raw: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    const r = buildArguments(fields, values);
    setErrors(r.errors);
    if (Object.keys(r.errors).length === 0) onSubmit(r.args);
  };
  return (
    <form class="schema-form" onSubmit={submit} data-testid="schema-form">
      {raw === null ? (
        <>
          {fields.length === 0 && <p class="muted">This tool takes no arguments.</p>}
          {fields.map((f) => (
            <FieldInput key={f.path} f={f} values={values} set={set} errors={errors} />
          ))}
        </>
      ) : (
        <div class="field">
          <label for="raw-args">Arguments (JSON object)</label>
          <textarea id="raw-args" class="mono" rows={8} value={raw} onInput={(e) => setRaw((e.target as HTMLTextAreaElement).value)} />
          {errors._raw && <p class="field-error">{errors._raw}</p>}
        </div>
      )}
      <div class="row">
        <button class="btn primary" type="submit" disabled={busy}>
          {busy ? 'Calling…' : submitLabel}
        </button>
        <button
          class="btn plain"
          type="button"
          onClick={() => {
            if (raw === null) {
              const r = buildArguments(fields, values);
              setRaw(JSON.stringify(r.args, null, 2));
            } else setRaw(null);
            setErrors({});
          }}
        >
          {raw === null ? 'Edit as JSON' : 'Back to the form'}
        </button>
      </div>
    </form>
  );
}
