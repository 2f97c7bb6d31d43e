'use client';
// The diagnosis on the run page: each finding with its evidence, and each suggestion with its
// parameters, the YAML and Python to paste, and a what-if LR overlay on the charts.
import { useState } from 'react';
import type { Finding } from '@/server/analysis/types';
import { readSignals, scalarFields, fmtSignalValue, fmtScalar, fmtStep } from './evidence';

const KIND_LABEL: Record<string, string> = {
  oscillation: 'Oscillation',
  plateau: 'Plateau',
  overfitting: 'Overfitting',
  divergence: 'Divergence',
  gan_imbalance: 'GAN imbalance',
  slow_convergence: 'Slow convergence',
  gpu_underutilization: 'GPU under-use',
};

export const SEVERITY_SHADE: Record<string, string> = {
  critical: 'rgba(201, 42, 42, 0.10)',
  warning: 'rgba(230, 119, 0, 0.10)',
  info: 'rgba(25, 113, 194, 0.07)',
};

function Copy({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="link"
      data-testid="copy"
      onClick={() => {
        void navigator.clipboard?.writeText(text).catch(() => {});
        setDone(true);
        setTimeout(() => setDone(false), 1200);
      }}
    >
      {done ? 'copied' : `copy ${label}`}
    </button>
  );
}

/**
 * What a finding rests on, readable: its signals (value, threshold, step; the ones that did not fire
 * dimmed), or for findings stored before signals existed their scalar fields. The raw JSON stays one
 * click away.
 */
function Evidence({ evidence }: { evidence: Finding['evidence'] }) {
  const [raw, setRaw] = useState(false);
  const signals = readSignals(evidence);
  const fields = signals.length ? [] : scalarFields(evidence);
  return (
    <div className="evidence" data-testid="evidence">
      {signals.length ? (
        <table className="vtable signals" data-testid="signals">
          <thead>
            <tr><th>signal</th><th className="num">value</th><th>threshold</th><th className="num">step</th><th /></tr>
          </thead>
          <tbody>
            {signals.map((s, i) => (
              <tr key={i} className={s.fired ? 'fired' : 'not-fired'} data-testid="signal-row" data-fired={String(s.fired)}>
                <td>{s.signal}</td>
                <td className="num" title={s.value === null ? 'not a finite number (NaN or ±∞)' : String(s.value)}>{fmtSignalValue(s.value)}</td>
                <td>{s.threshold}</td>
                <td className="num">{fmtStep(s.step)}</td>
                <td>{s.fired ? <span className="badge fired">✓ fired</span> : <span className="small">not fired</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : fields.length ? (
        <table className="vtable evidence-fields" data-testid="evidence-fields">
          <tbody>
            {fields.map(([k, v]) => (
              <tr key={k} data-testid="evidence-field"><th>{k}</th><td className={typeof v === 'number' ? 'num' : ''}>{fmtScalar(v)}</td></tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <button type="button" className="link small" aria-expanded={raw} data-testid="evidence-raw-toggle" onClick={() => setRaw((r) => !r)}>
        {raw ? 'hide raw evidence' : 'raw evidence'}
      </button>
      {raw ? <pre data-testid="evidence-raw">{JSON.stringify(evidence, null, 2)}</pre> : null}
    </div>
  );
}

export function FindingsPanel({ findings, whatIf, onWhatIf }: { findings: Finding[]; whatIf: string; onWhatIf: (key: string | null) => void }) {
  if (!findings.length) {
    return (
      <section data-testid="findings" id="findings">
        <h2>Diagnosis</h2>
        <p className="muted">No findings: nothing in this run calls for a schedule change yet.</p>
      </section>
    );
  }
  return (
    <section data-testid="findings" id="findings">
      <h2>Diagnosis</h2>
      {findings.map((f, i) => (
        <div key={`${f.kind}-${i}`} className={`finding ${f.severity}`} data-testid={`finding-${f.kind}`}>
          <div>
            <span className={`badge ${f.severity}`}>{f.severity}</span> <strong>{KIND_LABEL[f.kind] ?? f.kind}</strong>{' '}
            <span className="muted">steps {f.startStep.toLocaleString()}–{f.endStep.toLocaleString()} · {f.metrics.join(', ')}</span>
          </div>
          <p>{f.summary}</p>
          <Evidence evidence={f.evidence} />
          {f.suggestions.map((s, j) => {
            const key = `${i}.${j}`;
            return (
              <details key={key} className="suggestion" data-testid="suggestion">
                <summary>
                  <strong>{s.title}</strong> <span className="muted">({s.scheduler})</span>
                </summary>
                <label>
                  <input type="checkbox" data-testid="what-if" checked={whatIf === key} onChange={(e) => onWhatIf(e.target.checked ? key : null)} /> show the what-if LR on the charts
                </label>
                <table className="vtable">
                  <tbody>
                    {Object.entries(s.params).map(([k, v]) => (
                      <tr key={k}><th>{k}</th><td>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</td></tr>
                    ))}
                  </tbody>
                </table>
                <div className="muted">configs/training/optimizers/… <Copy text={s.config} label="YAML" /></div>
                <pre data-testid="suggestion-config">{s.config}</pre>
                <div className="muted">configure_optimizers <Copy text={s.code} label="code" /></div>
                <pre data-testid="suggestion-code">{s.code}</pre>
              </details>
            );
          })}
        </div>
      ))}
    </section>
  );
}

export function FindingCounts({ c }: { c: { info: number; warning: number; critical: number } }) {
  if (!c.info && !c.warning && !c.critical) return <span className="muted">—</span>;
  return (
    <span data-testid="finding-counts">
      {c.critical ? <span className="badge critical" title="critical findings">{c.critical}</span> : null}
      {c.warning ? <span className="badge warning" title="warnings">{c.warning}</span> : null}
      {c.info ? <span className="badge info" title="observations">{c.info}</span> : null}
    </span>
  );
}
