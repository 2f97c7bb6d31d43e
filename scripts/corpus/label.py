#!/usr/bin/python3
"""Label every run of the torch corpus from facts computed from its own curves.

    /usr/bin/python3 scripts/corpus/label.py [--corpus tests/fixtures/torch-corpus] [--summary]

Reads each run back from disk (event file through eventwriter.read_scalars, gpu.csv, config.yaml),
computes the facts listed in scripts/corpus/README.md ("Labelling rules") and applies those rules.
The rules are written down there; this file is their implementation and must stay in step with it.
Nothing here looks at any detector in the repository, and the scenario's intent is only used to
write notes when the facts disagree with it: the labels are what the facts say.

Writes <corpus>/labels.json and <corpus>/README.md (the per-run part of it).
"""

import argparse
import csv
import datetime as dt
import json
import math
import os
import sys

import numpy as np
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from eventwriter import read_scalars  # noqa: E402
import make_corpus  # noqa: E402

KINDS = ['oscillation', 'plateau', 'overfitting', 'divergence', 'gan_imbalance', 'slow_convergence',
         'gpu_underutilization']
LOSS_TAGS = ['train_gen_l1', 'train_gen_adv', 'train_gen_fm', 'train_gen_resnet_pl', 'train_discr_adv']
ADV_TAGS = ['train_gen_adv', 'train_discr_adv']
TRAIN_TAGS = ['train_gen_l1', 'train_gen_adv', 'train_gen_fm', 'train_gen_resnet_pl', 'train_discr_adv',
              'train_adv_discr_real_out', 'train_adv_discr_fake_out']

# thresholds (see README "Labelling rules")
DIV_GROWTH = 10.0          # block median > 10x the early level
OSC_RATIO = 20.0           # residual CV of train_gen_adv >= 20x the healthy runs' median
ZIGZAG_RATIO = 3.0         # val SSIM zig-zag >= 3x the healthy runs' median ...
ZIGZAG_MIN = 0.01          # ... and >= 0.01 absolute
PLATEAU_L1_REL = 0.03      # val_gen_l1 never improves > 3 %
PLATEAU_SSIM_ABS = 0.005   # val SSIM never improves > 0.005
PLATEAU_MIN_AFTER = 5      # >= 5 validations after the start
PLATEAU_MAX_START_FRAC = 0.6
PLATEAU_LR_FLOOR = 0.01    # median G LR in the stall <= 1 % of the configured LR
PLATEAU_LEVEL = 1.10       # or final val_gen_l1 >= 1.10 x the healthy reference's
OVERFIT_REL = 0.03         # every later validation > 3 % worse than the minimum
OVERFIT_MIN_AFTER = 5
OVERFIT_TRAIN_FALL = 0.03  # training loss still falls >= 3 % after the minimum
IMB_DISCR_REL = 0.5        # block median of train_discr_adv < 0.5 x the healthy pool's level, to the end
IMB_MIN_FRAC = 0.2         # ... over >= 20 % of the run
IMB_GEN_RISE = 1.25        # train_gen_adv in the final quarter >= 1.25 x its lowest block median
SLOW_SSIM_GAP = 0.03       # final val SSIM <= healthy reference - 0.03
SLOW_LAST_THIRD = 0.005    # val SSIM gains >= 0.005 in the last third ...
SLOW_MK_Z = 1.96           # ... and still has a significant upward trend over its second half
GPU_UTIL = 60.0            # mean utilisation while training < 60 %

# when a kind fires together with one of its consequences, the consequence becomes an acceptable extra
CONSEQUENCES = {
    # (not oscillation: that rule only sees the data before the divergence onset, so when it fires the
    # oscillation came first)
    'divergence': ['plateau', 'slow_convergence', 'overfitting', 'gan_imbalance'],
    'gan_imbalance': ['plateau', 'slow_convergence', 'oscillation'],
    'oscillation': ['plateau', 'slow_convergence'],
    'overfitting': ['plateau'],
}
CAUSE_ORDER = ['divergence', 'gan_imbalance', 'overfitting', 'oscillation']
# kinds that a detector may report in addition to the expected ones without being wrong
ACCEPTABLE = {
    'divergence': ['oscillation'],
    'oscillation': ['plateau', 'divergence'],
    'gan_imbalance': ['plateau', 'slow_convergence', 'oscillation'],
    'overfitting': ['plateau'],
}


# ---------------------------------------------------------------- helpers

def fin(x):
    return x is not None and isinstance(x, (int, float, np.floating, np.integer)) and math.isfinite(x)


def r4(x):
    if x is None or isinstance(x, str):
        return x
    if isinstance(x, (list, tuple)):
        return [r4(v) for v in x]
    if isinstance(x, dict):
        return {k: r4(v) for k, v in x.items()}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return float('%.4g' % x)


def mann_kendall_z(x):
    x = [float(v) for v in x if fin(float(v))]
    n = len(x)
    if n < 3:
        return 0.0
    s = 0
    for i in range(n - 1):
        for j in range(i + 1, n):
            s += (x[j] > x[i]) - (x[j] < x[i])
    var = n * (n - 1) * (2 * n + 5) / 18.0
    if s == 0:
        return 0.0
    return (s - (1 if s > 0 else -1)) / math.sqrt(var)


def smooth3(x):
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 3:
        return x.copy()
    out = x.copy()
    for i in range(1, len(x) - 1):
        out[i] = np.median(x[i - 1:i + 2])
    out[0] = np.mean(x[:2])
    out[-1] = np.mean(x[-2:])
    return out


def rolling_median(x, w=9):
    h = w // 2
    return np.array([np.median(x[max(0, i - h):i + h + 1]) for i in range(len(x))])


class Run:
    def __init__(self, corpus, sc):
        self.sc = sc
        self.spec = sc['spec']
        self.name = make_corpus.run_name(self.spec)
        self.exp_dir = os.path.join('experiments', self.name)
        self.tb_dir = os.path.join('tb_logs', self.name, 'version_0')
        d = os.path.join(corpus, self.tb_dir)
        evs = sorted(f for f in os.listdir(d) if f.startswith('events.out.tfevents.'))
        self.event_file = os.path.join(self.tb_dir, evs[0])
        self.file_version, raw = read_scalars(os.path.join(corpus, self.event_file))
        self.s = {}
        for tag, pts in raw.items():
            self.s[tag] = (np.array([p[0] for p in pts]), np.array([p[1] for p in pts]),
                           np.array([p[2] for p in pts], dtype=np.float64))
        with open(os.path.join(corpus, self.exp_dir, 'config.yaml')) as f:
            self.cfg = yaml.safe_load(f)
        self.gpu = self._read_gpu(os.path.join(corpus, self.exp_dir, 'gpu.csv'))
        kw = self.cfg['trainer']['kwargs']
        self.iters = kw['limit_train_batches'] * kw['max_epochs']
        self.log_n = kw['log_every_n_steps']
        self.block = max(50, 5 * self.log_n)
        self.g_lr = float(self.cfg['optimizers']['generator']['lr'])

    @staticmethod
    def _read_gpu(path):
        rows = []
        with open(path) as f:
            r = csv.reader(f, skipinitialspace=True)
            next(r)
            for row in r:
                t = dt.datetime.strptime(row[0], '%Y/%m/%d %H:%M:%S.%f').replace(tzinfo=dt.timezone.utc).timestamp()
                rows.append((t, float(row[3].split()[0])))
        return rows

    def series(self, tag):
        return self.s.get(tag, (np.array([]), np.array([]), np.array([])))

    def val(self, tag):
        st, _, v = self.series(tag)
        return st, v


# ---------------------------------------------------------------- facts

def block_medians(steps, vals, block):
    out = []
    if len(steps) == 0:
        return out
    keys = steps // block
    for k in np.unique(keys):
        sel = keys == k
        v = vals[sel]
        if not np.all(np.isfinite(v)):
            out.append((int(k * block), float('nan')))
        else:
            out.append((int(k * block), float(np.median(v))))
    return out


def facts_divergence(run):
    f = {}
    first_nf = None
    for tag, (st, _, v) in run.s.items():
        if not (tag.startswith('train_') or tag.startswith('val_')):
            continue
        bad = ~np.isfinite(v)
        if bad.any():
            s0 = int(st[bad][0])
            first_nf = s0 if first_nf is None else min(first_nf, s0)
    f['first_nonfinite_step'] = first_nf
    onset = None
    onset_tag = None
    growth = {}
    for tag in LOSS_TAGS:
        st, _, v = run.series(tag)
        early = v[(st < 0.2 * run.iters) & np.isfinite(v)]
        if len(early) == 0:
            continue
        lvl = float(np.median(early))
        bm = block_medians(st, v, run.block)
        mx = max((m for _, m in bm if fin(m)), default=float('nan'))
        growth[tag] = [lvl, mx]
        # the first block from which every block median to the end is > 10x the early level or
        # non-finite (the loss never comes back), with at least one finite > 10x block and >= 2 blocks
        first = None
        for i in range(len(bm) - 1, -1, -1):
            m = bm[i][1]
            if not fin(m) or m > DIV_GROWTH * lvl:
                first = i
            else:
                break
        if first is not None and len(bm) - first >= 2 and any(fin(m) for _, m in bm[first:]):
            b0 = bm[first][0]
            if onset is None or b0 < onset:
                onset, onset_tag = b0, tag
    f['early_level_and_max_block_median'] = growth
    f['growth_onset_step'] = onset
    f['growth_onset_tag'] = onset_tag
    starts = [x for x in (onset, first_nf) if x is not None]
    f['fires'] = bool(starts)
    f['start_step'] = min(starts) if starts else None
    if first_nf is not None:
        st, _, v = run.series('train_gen_l1')
        f['nonfinite_train_gen_l1_points'] = int((~np.isfinite(v)).sum())
    return f


def osc_stats(run, tag, until):
    st, _, v = run.series(tag)
    sel = (st >= 0.1 * run.iters) & np.isfinite(v)
    if until is not None:
        sel &= st < until
    x = v[sel]
    if len(x) < 15:
        return None
    trend = rolling_median(x, 9)
    if np.any(trend <= 0):
        return None
    r = x / trend - 1.0  # residual relative to the local level (robust to trends in the level)
    cv = float(np.std(r))
    lag1 = float(np.corrcoef(r[:-1], r[1:])[0, 1]) if np.std(r) > 0 else 0.0
    return {'cv': cv, 'lag1': lag1, 'n': int(len(x))}


def val_zigzag(run, until):
    st, v = run.val('val_ssim_total_mean')
    sel = np.isfinite(v)
    if until is not None:
        sel &= st < until
    x = v[sel]
    if len(x) < 5:
        return None
    r = x - rolling_median(x, 5)
    return float(np.std(r))


def facts_oscillation(run, until, ref):
    f = {'evaluated_before_step': until}
    ratios = []
    for tag in ADV_TAGS:
        s = osc_stats(run, tag, until)
        if s is None:
            continue
        f[tag + '_resid_cv_lag1'] = [s['cv'], s['lag1']]
        if ref and ref.get(tag):
            f[tag + '_cv_ratio_to_healthy'] = s['cv'] / ref[tag]
            ratios.append(s['cv'] / ref[tag])
    z = val_zigzag(run, until)
    f['val_ssim_zigzag'] = z
    zr = None
    if ref and ref.get('zigzag') and z is not None:
        zr = z / ref['zigzag']
        f['val_ssim_zigzag_ratio_to_healthy'] = zr
    adv = f.get('train_gen_adv_cv_ratio_to_healthy') is not None and f['train_gen_adv_cv_ratio_to_healthy'] >= OSC_RATIO
    zz = zr is not None and zr >= ZIGZAG_RATIO and z >= ZIGZAG_MIN
    f['fires_adversarial'] = adv
    f['fires_val_zigzag'] = zz
    f['fires'] = adv or zz
    f['start_step'] = int(0.1 * run.iters) if f['fires'] else None
    return f


def last_k_mean(x, k=3):
    x = [v for v in x if fin(v)]
    return float(np.mean(x[-k:])) if x else float('nan')


def g_lr_at(run, step):
    st, v = run.val('lr-Adam')
    if len(st) == 0:
        return run.g_lr
    i = np.searchsorted(st, step, side='right') - 1
    return float(v[max(i, 0)])


def facts_plateau(run, ref):
    st, l1 = run.val('val_gen_l1')
    _, ss = run.val('val_ssim_total_mean')
    n = len(l1)
    f = {'val_points': n}
    start = None
    for i in range(n - PLATEAU_MIN_AFTER):
        if not (fin(l1[i]) and fin(ss[i])):
            continue
        later_l1, later_ss = l1[i + 1:], ss[i + 1:]
        if not (np.all(np.isfinite(later_l1)) and np.all(np.isfinite(later_ss))):
            continue
        if np.all(later_l1 >= l1[i] * (1 - PLATEAU_L1_REL)) and np.all(later_ss <= ss[i] + PLATEAU_SSIM_ABS):
            start = i
            break
    f['stall_start_val_index'] = start
    if start is None:
        f['fires'] = False
        f['start_step'] = None
        return f
    f['stall_start_step'] = int(st[start])
    f['stall_start_fraction_of_validations'] = start / n
    lrs = [g_lr_at(run, int(s)) for s in st[start:]]
    f['median_g_lr_in_stall_over_configured'] = float(np.median(lrs)) / run.g_lr
    f['val_gen_l1_at_start_min_after'] = [float(l1[start]), float(np.min(l1[start + 1:]))]
    f['val_ssim_at_start_max_after'] = [float(ss[start]), float(np.max(ss[start + 1:]))]
    final = last_k_mean(l1)
    f['final_val_gen_l1'] = final
    lr_cond = f['median_g_lr_in_stall_over_configured'] <= PLATEAU_LR_FLOOR
    level_cond = ref is not None and fin(final) and final >= PLATEAU_LEVEL * ref['final_val_gen_l1']
    if ref is not None:
        f['final_val_gen_l1_over_healthy_reference'] = final / ref['final_val_gen_l1']
    f['lr_at_floor'] = lr_cond
    f['level_worse_than_healthy'] = bool(level_cond)
    early = start / n <= PLATEAU_MAX_START_FRAC
    f['fires'] = bool(early and (lr_cond or level_cond))
    f['start_step'] = int(st[start]) if f['fires'] else None
    return f


def facts_overfitting(run):
    f = {}
    best = None
    tr_st, _, tr = run.series('train_gen_l1')
    for tag in ('val_gen_l1', 'val_lpips_total_mean'):
        st, v = run.val(tag)
        ok = np.isfinite(v)
        if ok.sum() < OVERFIT_MIN_AFTER + 2:
            continue
        i = int(np.nanargmin(np.where(ok, v, np.inf)))
        after = v[i + 1:]
        g = {'min_step': int(st[i]), 'min': float(v[i]), 'validations_after_min': int(len(after))}
        if len(after):
            g['worst_after_over_min'] = float(np.max(after) / v[i])
            g['best_after_over_min'] = float(np.min(after) / v[i])
            g['last_over_min'] = float(after[-1] / v[i])
        cond_val = len(after) >= OVERFIT_MIN_AFTER and np.all(after > v[i] * (1 + OVERFIT_REL))
        # training loss keeps falling after the minimum
        seg = int(st[-1]) - int(st[i])
        before = tr[(tr_st > st[i] - seg / 2) & (tr_st <= st[i]) & np.isfinite(tr)]
        final = tr[(tr_st > st[-1] - seg / 2) & np.isfinite(tr)]
        if len(before) and len(final):
            ratio = float(np.median(final) / np.median(before))
            g['train_gen_l1_median_final_over_at_min'] = ratio
            after_tr = tr[(tr_st >= st[i]) & np.isfinite(tr)]
            g['mann_kendall_z_train_gen_l1_after_min'] = mann_kendall_z(
                [m for _, m in block_medians(tr_st[tr_st >= st[i]], tr[tr_st >= st[i]], run.block)]) if len(after_tr) else 0.0
            cond_tr = ratio <= 1 - OVERFIT_TRAIN_FALL
        else:
            cond_tr = False
        if tag == 'val_lpips_total_mean':
            # LPIPS alone is enough only if val_gen_l1 does not keep improving after the LPIPS minimum
            l1_st, l1 = run.val('val_gen_l1')
            at = l1[l1_st == st[i]]
            later = l1[(l1_st > st[i]) & np.isfinite(l1)]
            l1_improves = bool(len(at) and len(later) and np.min(later) < at[0] * (1 - OVERFIT_REL))
            g['val_gen_l1_improves_more_than_3pct_after_min'] = l1_improves
            cond_val = cond_val and not l1_improves
        g['fires'] = bool(cond_val and cond_tr)
        f[tag] = g
        if g['fires'] and (best is None or g['min_step'] < best):
            best = g['min_step']
    f['fires'] = best is not None
    f['start_step'] = best
    return f


def facts_imbalance(run, osc_ref):
    f = {}
    thr = IMB_DISCR_REL * osc_ref['discr_adv_level']
    f['discr_adv_threshold'] = thr
    st, _, d = run.series('train_discr_adv')
    bm = block_medians(st, d, run.block)
    start = None
    for i in range(len(bm) - 1, -1, -1):
        if fin(bm[i][1]) and bm[i][1] < thr:
            start = bm[i][0]
        else:
            break
    f['discr_adv_low_from_step'] = start
    frac = (run.iters - start) / run.iters if start is not None else 0.0
    f['discr_adv_low_fraction_of_run'] = frac
    gst, _, g = run.series('train_gen_adv')
    ok = np.isfinite(g)
    w = [float(np.mean(x)) for x in np.array_split(g[ok], 8)] if ok.sum() >= 16 else []
    f['train_discr_adv_window_means'] = [float(np.mean(x)) for x in np.array_split(d[np.isfinite(d)], 8)] if np.isfinite(d).sum() >= 16 else []
    f['train_gen_adv_window_means'] = w
    rise = None
    gbm = [m for _, m in block_medians(gst, g, run.block) if fin(m) and m > 0]
    if w and gbm:
        last_q = g[ok][int(0.75 * ok.sum()):]
        rise = float(np.mean(last_q) / min(gbm))
    f['train_gen_adv_final_quarter_over_lowest_block_median'] = rise
    f['mann_kendall_z_train_gen_adv'] = mann_kendall_z([m for _, m in block_medians(gst, g, run.block)])
    f['fires'] = bool(start is not None and frac >= IMB_MIN_FRAC and rise is not None and rise >= IMB_GEN_RISE)
    f['start_step'] = start if f['fires'] else None
    return f


def facts_slow(run, ref):
    st, ss = run.val('val_ssim_total_mean')
    f = {}
    x = [v for v in ss if fin(v)]
    n = len(x)
    if n < 6 or ref is None:
        f['fires'] = False
        f['start_step'] = None
        return f
    head = float(np.mean(x[:3]))
    tail = float(np.mean(x[-3:]))
    k = int(round(2 * n / 3))
    mid = float(np.mean(x[max(0, k - 2):k + 1]))
    f['val_ssim_first3_at2of3_last3'] = [head, mid, tail]
    gain = tail - head
    last = tail - mid
    f['val_ssim_gain_total_last_third'] = [gain, last]
    f['mann_kendall_z_val_ssim_second_half'] = mann_kendall_z(x[n // 2:])
    f['healthy_reference_final_val_ssim'] = ref['final_val_ssim']
    f['final_val_ssim_minus_reference'] = tail - ref['final_val_ssim']
    rising = last >= SLOW_LAST_THIRD and f['mann_kendall_z_val_ssim_second_half'] >= SLOW_MK_Z
    low = tail <= ref['final_val_ssim'] - SLOW_SSIM_GAP
    f['still_rising_at_end'] = bool(rising)
    f['far_below_healthy'] = bool(low)
    f['fires'] = bool(rising and low)
    f['start_step'] = 0 if f['fires'] else None
    return f


def facts_gpu(run):
    st, wall, _ = run.series('train_gen_l1')
    f = {}
    if len(wall) == 0 or not run.gpu:
        f['fires'] = False
        f['start_step'] = None
        return f
    # training window: from the first logged training step's wall time back by one log interval to the last
    t0 = wall[0] - (wall[1] - wall[0] if len(wall) > 1 else 0)
    t1 = wall[-1]
    u = [x for t, x in run.gpu if t0 <= t <= t1]
    f['gpu_csv_samples'] = len(run.gpu)
    f['samples_while_training'] = len(u)
    f['util_mean_while_training'] = float(np.mean(u)) if u else float('nan')
    f['fraction_training_samples_below_10pct'] = float(np.mean([x < 10 for x in u])) if u else float('nan')
    f['fires'] = bool(u) and f['util_mean_while_training'] < GPU_UTIL
    f['start_step'] = 0 if f['fires'] else None
    return f


def general_facts(run):
    f = {}
    st, _, v = run.series('train_gen_l1')
    bm = [m for _, m in block_medians(st, v, run.block)]
    f['train_points'] = int(len(v))
    f['val_points'] = int(len(run.val('val_gen_l1')[1]))
    f['train_gen_l1_block_medians_first_last'] = [bm[0], bm[-1]] if bm else None
    _, l1 = run.val('val_gen_l1')
    _, ss = run.val('val_ssim_total_mean')
    f['val_gen_l1_first_min_last'] = [float(l1[0]), float(np.nanmin(l1)) if np.isfinite(l1).any() else float('nan'), float(l1[-1])]
    f['val_ssim_first_max_last'] = [float(ss[0]), float(np.nanmax(ss)) if np.isfinite(ss).any() else float('nan'), float(ss[-1])]
    f['mann_kendall_z_train_gen_l1'] = mann_kendall_z(bm)
    f['mann_kendall_z_val_ssim'] = mann_kendall_z(list(ss))
    return f


# ---------------------------------------------------------------- references and labelling

def reference_levels(runs):
    """Healthy references: per dataset, the runs marked reference=True in make_corpus.SCENARIOS."""
    out = {}
    for r in runs:
        if r.sc.get('reference'):
            _, l1 = r.val('val_gen_l1')
            _, ss = r.val('val_ssim_total_mean')
            out.setdefault(r.spec['dataset'], []).append({'run': r.name, 'final_val_gen_l1': last_k_mean(l1),
                                                          'final_val_ssim': last_k_mean(ss)})
    ref = {}
    for ds, lst in out.items():
        ref[ds] = {'runs': [x['run'] for x in lst],
                   'final_val_gen_l1': float(np.median([x['final_val_gen_l1'] for x in lst])),
                   'final_val_ssim': float(np.median([x['final_val_ssim'] for x in lst]))}
    return ref


def oscillation_reference(runs):
    """Median over the healthy hard negatives (intent healthy, not starved) of the residual CVs."""
    vals = {t: [] for t in ADV_TAGS}
    zz = []
    for r in runs:
        if r.sc['intent'] != []:
            continue
        for t in ADV_TAGS:
            s = osc_stats(r, t, None)
            if s:
                vals[t].append(s['cv'])
        z = val_zigzag(r, None)
        if z is not None:
            zz.append(z)
    ref = {t: float(np.median(v)) for t, v in vals.items() if v}
    ref['zigzag'] = float(np.median(zz)) if zz else None
    lv = []
    for r in runs:
        if r.sc['intent'] == []:
            st, _, v = r.series('train_discr_adv')
            sel = (st >= 0.5 * r.iters) & np.isfinite(v)
            if sel.any():
                lv.append(float(np.median(v[sel])))
    ref['discr_adv_level'] = float(np.median(lv)) if lv else 0.4
    ref['from_runs'] = sum(1 for r in runs if r.sc['intent'] == [])
    return ref


def label_run(run, refs, osc_ref):
    ds_ref = refs.get(run.spec['dataset'])
    facts = {'general': general_facts(run)}
    div = facts_divergence(run)
    facts['divergence'] = div
    until = div['start_step'] if div['fires'] else None
    facts['oscillation'] = facts_oscillation(run, until, osc_ref)
    facts['plateau'] = facts_plateau(run, ds_ref)
    facts['overfitting'] = facts_overfitting(run)
    facts['gan_imbalance'] = facts_imbalance(run, osc_ref)
    facts['slow_convergence'] = facts_slow(run, ds_ref)
    facts['gpu_underutilization'] = facts_gpu(run)
    fired = [k for k in KINDS if facts[k]['fires']]
    demoted = {}
    for k in [c for c in CAUSE_ORDER if c in fired]:  # name the most fundamental cause in the note
        for c in CONSEQUENCES.get(k, []):
            if c in fired and c not in demoted:
                demoted[c] = k
    expected = [k for k in fired if k not in demoted]
    acceptable = sorted(set(demoted) | {a for k in expected for a in ACCEPTABLE.get(k, [])} - set(expected))
    notes = []
    for c, k in sorted(demoted.items()):
        notes.append('the %s rule also fires (from step %s); it is a consequence of %s and listed as an acceptable extra'
                     % (c, facts[c]['start_step'], k))
    intent = run.sc['intent']
    if sorted(intent) != sorted(expected):
        miss = [k for k in intent if k not in expected]
        extra = [k for k in expected if k not in intent]
        if miss:
            notes.append('INTENT NOT CONFIRMED: the scenario was meant to show %s but the facts do not (label follows the facts)'
                         % ', '.join(miss))
        if extra:
            notes.append('the facts show %s although the scenario did not aim for it (label follows the facts)'
                         % ', '.join(extra))
    findings = []
    for k in expected:
        fd = {'kind': k, 'start_step': facts[k]['start_step'],
              'start_epoch': facts[k]['start_step'] // run.spec['iters_per_epoch'] if facts[k]['start_step'] is not None else None}
        if k == 'divergence' and facts[k]['first_nonfinite_step'] is not None:
            fd['first_nonfinite_step'] = facts[k]['first_nonfinite_step']
        if k == 'gan_imbalance':
            fd['subtype'] = 'discriminator_winning'
        if k == 'gpu_underutilization':
            fd['synthetic_gpu_log'] = True
        findings.append(fd)
    return expected, acceptable, findings, notes, facts


def hyperparameters(spec):
    h = {'generator_lr': spec['g_lr'], 'discriminator_lr': spec['d_lr'],
         'gradient_clip_val': spec['gradient_clip_val'], 'batch_size': spec['batch_size'],
         'n_train_images': spec['n_train'], 'image_size': spec['image_size'], 'dataset': spec['dataset'],
         'data_root_dir': spec['data_root_dir'], 'max_epochs': spec['max_epochs'],
         'iterations_per_epoch': spec['iters_per_epoch'], 'log_every_n_steps': spec['log_every_n_steps'],
         'check_val_every_n_epoch': spec.get('check_val_every_n_epoch', 1),
         'total_iterations': spec['max_epochs'] * spec['iters_per_epoch'], 'seed': spec['seed'],
         'scheduler': spec.get('scheduler')}
    if spec.get('loader_sleep'):
        h['loader_sleep'] = spec['loader_sleep']
    return h


# ---------------------------------------------------------------- corpus README

def _spark(vals, width=30):
    chars = ' .:-=+*#%@'
    x = np.array(vals, dtype=np.float64)
    if len(x) == 0:
        return ''
    idx = np.linspace(0, len(x), width + 1).astype(int)
    parts = []
    for i in range(width):
        seg = x[idx[i]:max(idx[i + 1], idx[i] + 1)]
        parts.append(float(np.median(seg)) if np.all(np.isfinite(seg)) else float('nan'))
    f = [p for p in parts if math.isfinite(p)]
    if not f:
        return 'N' * width
    lo, hi = min(f), max(f)
    log = lo > 0 and hi / lo > 1000
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    out = ''
    for p in parts:
        if not math.isfinite(p):
            out += 'N'
            continue
        v = math.log10(p) if log else p
        out += chars[int(round((v - lo) / (hi - lo) * 9))] if hi > lo else chars[0]
    return out


def _fmt(v):
    if not fin(v):
        return 'NaN' if v != v else str(v)
    a = abs(v)
    if a != 0 and (a >= 1e5 or a < 1e-3):
        return '%.2e' % v
    return '%.4g' % v


def _run_section(r, entry):
    out = ['### %s' % entry['scenario'], '',
           '`%s` — %s' % (entry['experiment_dir'], entry['description']), '']
    ek = entry['expected_kinds']
    out.append('Expected finding kinds: **%s**%s%s' % (
        ', '.join(ek) if ek else 'none (healthy)',
        '; acceptable extra: ' + ', '.join(entry['acceptable_extra_kinds']) if entry['acceptable_extra_kinds'] else '',
        '; hard negative' if entry['hard_negative'] else ''))
    for fd in entry['expected_findings']:
        out.append('- %s: ' % fd['kind'] + ', '.join('%s=%s' % (k, v) for k, v in fd.items() if k != 'kind'))
    for n in entry['notes']:
        out.append('- note: ' + n)
    out += ['', '| tag | w1 | w2 | w3 | w4 | w5 | w6 | w7 | w8 | min | max | trend (block medians) |',
            '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for tag in TRAIN_TAGS:
        st, _, v = r.series(tag)
        if len(v) < 8:
            continue
        w = [float(np.mean(x)) if np.all(np.isfinite(x)) else float('nan') for x in np.array_split(v, 8)]
        f = v[np.isfinite(v)]
        bm = [m for _, m in block_medians(st, v, r.block)]
        out.append('| %s | %s | %s | %s | `%s` |' % (tag, ' | '.join(_fmt(x) for x in w),
                                                     _fmt(float(f.min())) if len(f) else 'NaN',
                                                     _fmt(float(f.max())) if len(f) else 'NaN', _spark(bm)))
    out += ['', 'Validation (one value per validation, in order):', '']
    for tag in ('val_gen_l1', 'val_ssim_total_mean', 'val_lpips_total_mean', 'val_fid_total_mean',
                'val_ssim_fid100_f1_total_mean'):
        _, v = r.val(tag)
        out.append('- `%s`: %s' % (tag, ' '.join(_fmt(float(x)) for x in v)))
    for tag in ('lr-Adam', 'lr-Adam-1'):
        st, v = r.val(tag)
        if len(v):
            k = max(1, len(v) // 12)
            out.append('- `%s` (%d points, every %dth shown as step:value): %s' % (
                tag, len(v), k, ' '.join('%d:%s' % (s, _fmt(float(x))) for s, x in zip(st[::k], v[::k]))))
    g = entry['evidence']['gpu_underutilization']
    out += ['', 'GPU (synthetic): %s gpu.csv samples; util_mean_while_training %s.' % (
        g.get('gpu_csv_samples'), g.get('util_mean_while_training')), '']
    return out


def write_readme(corpus, doc, runs):
    with open(os.path.join(HERE, 'README.md')) as f:
        text = f.read()
    a = text.index('<!-- RULES START -->')
    b = text.index('<!-- RULES END -->')
    rules = text[a + len('<!-- RULES START -->'):b].strip()
    a = text.index('<!-- ABOUT START -->')
    b = text.index('<!-- ABOUT END -->')
    about = text[a + len('<!-- ABOUT START -->'):b].strip()
    lines = ['# %s: %d real tiny LaMa-shaped GAN trainings, labelled from their curves' % (os.path.basename(corpus), len(doc['runs'])), '',
             '_Generated by `scripts/corpus/make_corpus.py` + `scripts/corpus/label.py`; do not edit by hand._', '',
             about, '', '## Runs', '',
             '| scenario | intent | expected kinds | acceptable extra | hard negative | log every | iterations | run dir |',
             '|---|---|---|---|---|---|---|---|']
    for e in doc['runs']:
        lines.append('| %s | %s | %s | %s | %s | %s | %s | `%s` |' % (
            e['scenario'], ', '.join(e['intent']) or 'healthy', ', '.join(e['expected_kinds']) or '—',
            ', '.join(e['acceptable_extra_kinds']) or '—', 'yes' if e['hard_negative'] else '',
            e['hyperparameters']['log_every_n_steps'], e['hyperparameters']['total_iterations'], e['run_name']))
    unconfirmed = [e for e in doc['runs'] if any('INTENT NOT CONFIRMED' in n or 'did not aim' in n for n in e['notes'])]
    lines += ['', 'Scenarios whose facts differ from their intent: %s.' % (
        ', '.join('`%s`' % e['scenario'] for e in unconfirmed) if unconfirmed else 'none'), '']
    if doc.get('generation_wall_seconds'):
        lines += ['Generation: %.0f s wall for the whole corpus (one training at a time, one CPU thread).'
                  % doc['generation_wall_seconds'], '']
    lines += ['## Labelling rules', '', rules, '',
              '## Per-run facts', '',
              'Window means: the logged training points split into 8 equal windows (w1 = first 1/8 of the run). '
              'Trend: block medians resampled to 30 characters, scaled min..max of the row (log10 when the row spans '
              'more than 3 decades), `N` = non-finite. Full evidence per run is in `labels.json`.', '']
    for r, e in zip(runs, doc['runs']):
        lines += _run_section(r, e)
    with open(os.path.join(corpus, 'README.md'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', default=os.path.join(HERE, '..', '..', 'tests', 'fixtures', 'torch-corpus'))
    ap.add_argument('--set', choices=sorted(make_corpus.SETS), default='corpus')
    ap.add_argument('--summary', action='store_true', help='print a one-line summary per run')
    ap.add_argument('--only-existing', action='store_true', help='skip scenarios whose run is not generated yet')
    ap.add_argument('--generation-seconds', type=float, help='wall time of the last full generation (make_corpus.py)')
    a = ap.parse_args()
    corpus = os.path.normpath(a.corpus)
    runs = []
    for sc in make_corpus.SETS[a.set][0]:
        name = make_corpus.run_name(sc['spec'])
        if a.only_existing and not os.path.exists(os.path.join(corpus, 'experiments', name, 'gpu.csv')):
            continue
        runs.append(Run(corpus, sc))
    refs = reference_levels(runs)
    osc_ref = oscillation_reference(runs)
    out_runs = []
    for r in runs:
        expected, acceptable, findings, notes, facts = label_run(r, refs, osc_ref)
        sc = r.sc
        entry = {
            'scenario': sc['id'], 'description': sc['description'], 'intent': sc['intent'],
            'run_name': r.name, 'experiment_dir': r.exp_dir, 'tb_log_dir': r.tb_dir, 'event_file': r.event_file,
            'hparams_yaml': os.path.join(r.tb_dir, 'hparams.yaml'), 'config_name': r.spec['config_name'],
            'user': r.spec['user'], 'hyperparameters': hyperparameters(r.spec),
            'expected_kinds': expected, 'acceptable_extra_kinds': acceptable, 'expected_findings': findings,
            'hard_negative': bool(sc.get('hard_negative')), 'healthy_reference': bool(sc.get('reference')),
            'notes': list(sc.get('notes', [])) + notes, 'evidence': r4(facts)}
        out_runs.append(entry)
        if a.summary:
            print('%-28s %-62s exp=%-40s acc=%s' % (sc['id'], r.name, ','.join(expected) or '-', ','.join(acceptable) or '-'))
            for n in notes:
                print('    note:', n)
    doc = {
        'dataset': os.path.basename(corpus) + ': real tiny LaMa-shaped GAN trainings (PyTorch 1.13, CPU), labelled from their curves',
        'generator_script': 'scripts/corpus/train_tiny_lama.py (trainer + writer), scripts/corpus/make_corpus.py (scenarios)',
        'labeller_script': 'scripts/corpus/label.py (rules: scripts/corpus/README.md, "Labelling rules")',
        'command': '/usr/bin/python3 scripts/corpus/make_corpus.py --set %s   (then label.py runs automatically)' % a.set,
        'finding_kinds': KINDS,
        'conventions': {
            'paths': 'relative to tests/fixtures/%s/' % os.path.basename(corpus),
            'values': 'evidence numbers are rounded to 4 significant digits; non-finite values are the strings "NaN", "Infinity", "-Infinity"',
            'steps': 'TensorBoard global_step; training scalars at steps k*log_every_n_steps-1; validation scalars at the last iteration of a validated epoch',
            'start_epoch': 'start_step // iterations_per_epoch',
            'blocks': 'block = max(50, 5 x log_every_n_steps) iterations; block median = median of the logged values in it',
            'tb_dir_in_config': 'config.yaml names location.tb_dir /home/<user>/inpainting-lama/tb_logs (a cluster path that does not exist here); the event files are in tb_logs/<run dir name>/version_0/ next to experiments/',
            'gpu_logs': "every gpu.csv is synthetic (format-exact nvidia-smi --query-gpu csv) derived from the run's real wall-clock timeline",
            'labels': 'expected_kinds = kinds whose rule fires and that are not a consequence of another fired kind; acceptable_extra_kinds = fired consequences + the fixed ACCEPTABLE table'},
        'healthy_references': r4(refs),
        'oscillation_reference': r4(osc_ref),
        'generation_wall_seconds': a.generation_seconds if a.generation_seconds is not None
        else make_corpus.read_generation_seconds(corpus),
        'runs': out_runs,
    }
    with open(os.path.join(corpus, 'labels.json'), 'w') as f:
        json.dump(doc, f, indent=1)
        f.write('\n')
    write_readme(corpus, doc, runs)


if __name__ == '__main__':
    main()
