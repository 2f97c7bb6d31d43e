#!/usr/bin/python3
"""Train one tiny LaMa-like inpainting GAN on CPU and write what LaMa + PyTorch-Lightning 1.2.9 + Hydra 1.1
write for a training job.

Usage (normally called by make_corpus.py, one run at a time):
    /usr/bin/python3 scripts/corpus/train_tiny_lama.py --spec '<json>' --out tests/fixtures/torch-corpus

The spec is one scenario of make_corpus.py (see there for the fields). Every logged loss / metric value
comes from the real training below; nothing is drawn from a formula. The GPU log (gpu.csv) is synthetic:
there is no GPU, so its utilisation is derived from the real wall-clock timeline of this process (the
fraction of each second spent computing).

Needs python3-torch (1.13), python3-numpy, python3-yaml and python3-pandas (LaMa prints its validation
tables with pandas; they are printed the same way here).
"""

import os

for _v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):  # one core: the other one is not ours
    os.environ[_v] = '1'

import argparse
import datetime as dt
import json
import logging
import math
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eventwriter import EventFileWriter  # noqa: E402

try:
    import pandas as pd
    pd.set_option('display.max_columns', 500)
    pd.set_option('display.width', 1000)
except ImportError:  # pragma: no cover
    pd = None

torch.set_num_threads(1)
torch.set_num_interop_threads(1)
torch.set_flush_denormal(True)  # NaN/denormal-heavy divergence runs are otherwise 3x slower

# ============================================================ synthetic clock
# Durations are real; the start is moved to the scenario's start time so that run names are
# deterministic (the devset does the same with its 2026 dates).


class Clock:
    def __init__(self, start_str):
        self.start_dt = dt.datetime.strptime(start_str, '%Y-%m-%d %H:%M:%S')
        self.start_unix = self.start_dt.replace(tzinfo=dt.timezone.utc).timestamp()
        self.real0 = time.time()

    def now(self):
        return self.start_unix + (time.time() - self.real0)

    def dt_of(self, unix):
        return dt.datetime.fromtimestamp(unix, tz=dt.timezone.utc).replace(tzinfo=None)


# ============================================================ data

def _grid(s):
    y, x = np.mgrid[0:s, 0:s].astype(np.float32)
    return (x + 0.5) / s, (y + 0.5) / s


def make_places_image(rng, s):
    """'places'-like: a background (gradient or sinusoidal texture) and 1-4 flat shapes."""
    x, y = _grid(s)
    img = np.zeros((3, s, s), np.float32)
    kind = rng.integers(0, 3)
    c0, c1 = rng.random(3), rng.random(3)
    if kind == 0:  # linear gradient
        a = rng.random() * 2 * math.pi
        t = (np.cos(a) * (x - .5) + np.sin(a) * (y - .5)) + .5
        t = np.clip(t, 0, 1)
        img = c0[:, None, None] * (1 - t) + c1[:, None, None] * t
    elif kind == 1:  # sinusoidal texture
        f = rng.uniform(1.5, 5.0)
        a = rng.random() * math.pi
        ph = rng.random() * 2 * math.pi
        t = 0.5 + 0.5 * np.sin(2 * math.pi * f * (np.cos(a) * x + np.sin(a) * y) + ph)
        img = c0[:, None, None] * (1 - t) + c1[:, None, None] * t
    else:  # two-frequency plaid
        f1, f2 = rng.uniform(1, 4, 2)
        t = 0.5 + 0.25 * np.sin(2 * math.pi * f1 * x + rng.random() * 6) + 0.25 * np.sin(2 * math.pi * f2 * y)
        img = c0[:, None, None] * (1 - t) + c1[:, None, None] * t
    img = img.astype(np.float32)
    for _ in range(rng.integers(1, 5)):
        col = rng.random(3).astype(np.float32)
        cx, cy = rng.uniform(.1, .9, 2)
        rx, ry = rng.uniform(.08, .3, 2)
        sk = rng.integers(0, 3)
        if sk == 0:
            m = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
        elif sk == 1:
            m = (np.abs(x - cx) <= rx) & (np.abs(y - cy) <= ry)
        else:
            m = (y - cy + ry >= 0) & (np.abs(x - cx) <= (y - cy + ry) * rx / (2 * ry + 1e-6))
            m &= (y - cy) <= ry
        img[:, m] = col[:, None]
    return img


def make_celeba_image(rng, s):
    """'celeba'-like: a centred face-like ellipse with hair, eyes and mouth on a soft background."""
    x, y = _grid(s)
    bg0, bg1 = rng.random(3) * .6 + .2, rng.random(3) * .6 + .2
    t = np.clip(y, 0, 1)
    img = (bg0[:, None, None] * (1 - t) + bg1[:, None, None] * t).astype(np.float32)
    skin = np.array([rng.uniform(.55, .95), rng.uniform(.4, .75), rng.uniform(.3, .6)], np.float32)
    hair = (rng.random(3) * .35).astype(np.float32)
    cx, cy = .5 + rng.uniform(-.06, .06), .54 + rng.uniform(-.05, .05)
    rx, ry = rng.uniform(.24, .32), rng.uniform(.30, .38)
    head = ((x - cx) / (rx * 1.12)) ** 2 + ((y - cy + .05) / (ry * 1.1)) ** 2 <= 1
    img[:, head & (y < cy)] = hair[:, None]
    face = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    shade = 1 - 0.25 * np.clip((x - cx) / rx, -1, 1) * rng.uniform(-1, 1)
    img[:, face] = (skin[:, None] * shade[face][None, :]).astype(np.float32)
    ex, ey, er = rx * rng.uniform(.35, .5), cy - ry * rng.uniform(.15, .3), rng.uniform(.035, .06)
    eye_col = (rng.random(3) * .3).astype(np.float32)
    for sgn in (-1, 1):
        m = ((x - cx - sgn * ex) / er) ** 2 + ((y - ey) / (er * .7)) ** 2 <= 1
        img[:, m] = eye_col[:, None]
    my, mw = cy + ry * rng.uniform(.4, .55), rx * rng.uniform(.3, .5)
    m = (np.abs(x - cx) <= mw) & (np.abs(y - my) <= .025 + .02 * rng.random())
    img[:, m] = np.array([.6, .15, .2], np.float32)[:, None] * rng.uniform(.7, 1.1)
    nose = (np.abs(x - cx) <= .02) & (y > cy - ry * .1) & (y < cy + ry * .25)
    img[:, nose] *= .85
    return np.clip(img, 0, 1)


def make_images(kind, n, s, seed):
    rng = np.random.default_rng(seed)
    f = make_places_image if kind == 'places' else make_celeba_image
    return torch.from_numpy(np.stack([f(rng, s) for _ in range(n)]))


def make_mask(rng, s):
    """LaMa-style mixed mask: irregular thick strokes and boxes (scaled to s x s)."""
    x, y = np.mgrid[0:s, 0:s].astype(np.float32)
    m = np.zeros((s, s), bool)
    if rng.random() < 0.85:
        for _ in range(rng.integers(1, 5)):  # strokes
            px, py = rng.uniform(0, s, 2)
            w = rng.uniform(1.0, s * 0.1)
            for _ in range(rng.integers(1, 5)):
                a = rng.uniform(0, 2 * math.pi)
                ln = rng.uniform(2, s * 0.4)
                qx, qy = np.clip(px + ln * math.cos(a), 0, s - 1), np.clip(py + ln * math.sin(a), 0, s - 1)
                dx, dy = qx - px, qy - py
                t = np.clip(((x - px) * dx + (y - py) * dy) / (dx * dx + dy * dy + 1e-6), 0, 1)
                d2 = (x - px - t * dx) ** 2 + (y - py - t * dy) ** 2
                m |= d2 <= w * w
                px, py = qx, qy
    if rng.random() < 0.6 or not m.any():
        for _ in range(rng.integers(1, 3)):  # boxes
            bw, bh = rng.integers(3, int(s * .45) + 1, 2)
            bx, by = rng.integers(1, s - bw), rng.integers(1, s - bh)
            m[by:by + bh, bx:bx + bw] = True
    return m.astype(np.float32)


def make_mask_bank(n, s, seed):
    rng = np.random.default_rng(seed)
    return torch.from_numpy(np.stack([make_mask(rng, s) for _ in range(n)]))[:, None]


BUCKETS = ['%d-%d%%' % (10 * i, 10 * i + 10) for i in range(10)]


def make_bucketed_masks(per_bucket, nb, s, seed):
    """per_bucket masks for each of the first nb area buckets (0-10%, 10-20%, ...)."""
    rng = np.random.default_rng(seed)
    out = {b: [] for b in range(nb)}
    while any(len(v) < per_bucket for v in out.values()):
        m = make_mask(rng, s)
        b = int(m.mean() * 10)
        if b < nb and len(out[b]) < per_bucket and m.mean() > 0.01:
            out[b].append(m)
    masks = []
    for b in range(nb):
        masks += out[b]
    return torch.from_numpy(np.stack(masks))[:, None]


# ============================================================ models (pix2pixHD global generator + NLayer D, scaled down)

class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.BatchNorm2d(c), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))

    def forward(self, x):
        return x + self.conv_block(x)


class GlobalGenerator(nn.Module):
    def __init__(self, input_nc=4, output_nc=3, ngf=16, n_downsampling=2, n_blocks=2):
        super().__init__()
        layers = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7), nn.BatchNorm2d(ngf), nn.ReLU(True)]
        for i in range(n_downsampling):
            m = 2 ** i
            layers += [nn.Conv2d(ngf * m, ngf * m * 2, 3, stride=2, padding=1), nn.BatchNorm2d(ngf * m * 2), nn.ReLU(True)]
        m = 2 ** n_downsampling
        layers += [ResBlock(ngf * m) for _ in range(n_blocks)]
        for i in range(n_downsampling):
            m = 2 ** (n_downsampling - i)
            layers += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, stride=2, padding=1, output_padding=1),
                       nn.BatchNorm2d(ngf * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Sigmoid()]
        self.model = nn.Sequential(*layers)

    def forward(self, x):
        return self.model(x)


class NLayerDiscriminator(nn.Module):
    def __init__(self, input_nc=3, ndf=16, n_layers=2):
        super().__init__()
        seq = [[nn.Conv2d(input_nc, ndf, 3, stride=2, padding=1), nn.LeakyReLU(0.2, True)]]
        nf = ndf
        for n in range(1, n_layers):
            nf_prev, nf = nf, min(nf * 2, 512)
            seq.append([nn.Conv2d(nf_prev, nf, 3, stride=2, padding=1), nn.BatchNorm2d(nf), nn.LeakyReLU(0.2, True)])
        nf_prev, nf = nf, min(nf * 2, 512)
        seq.append([nn.Conv2d(nf_prev, nf, 3, stride=1, padding=1), nn.BatchNorm2d(nf), nn.LeakyReLU(0.2, True)])
        seq.append([nn.Conv2d(nf, 1, 3, stride=1, padding=1)])
        for i, s in enumerate(seq):
            setattr(self, 'model%d' % i, nn.Sequential(*s))
        self.n = len(seq)

    def forward(self, x):
        feats = []
        for i in range(self.n):
            x = getattr(self, 'model%d' % i)(x)
            feats.append(x)
        return feats[-1], feats[:-1]


class FixedRandomNet(nn.Module):
    """Frozen random conv net: stand-in for LaMa's pretrained ResNet (resnet_pl), LPIPS' VGG and FID's Inception."""

    def __init__(self, seed, chans=(16, 32, 32)):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.ws = []
        cin = 3
        for c in chans:
            w = torch.randn(c, cin, 3, 3, generator=g) * math.sqrt(2.0 / (cin * 9))
            self.ws.append(w)
            cin = c

    def forward(self, x):
        feats = []
        x = (x - 0.45) / 0.25
        for i, w in enumerate(self.ws):
            x = F.relu(F.conv2d(x, w, padding=1, stride=1 if i == 0 else 2))
            feats.append(x)
        return feats


# ============================================================ losses (LaMa DefaultInpaintingTrainingModule semantics)

def masked_l1(pred, img, mask, w_missing=5.0, w_known=10.0):
    per = (pred - img).abs()
    w = mask * w_missing + (1 - mask) * w_known
    return (per * w).mean()


def interp_mask(mask, shape):
    return F.interpolate(mask, size=shape[-2:], mode='nearest')


def discr_loss_r1(D, real, fake, mask, gp_coef=0.001):
    real = real.detach().requires_grad_(True)
    real_logits, _ = D(real)
    real_loss = F.softplus(-real_logits)
    grad, = torch.autograd.grad(real_logits.sum(), real, create_graph=True)
    gp = grad.view(grad.shape[0], -1).pow(2).sum(1).mean() * gp_coef
    fake_logits, _ = D(fake.detach())
    m = interp_mask(mask, fake_logits.shape)
    fake_loss = F.softplus(fake_logits) * m + F.softplus(-fake_logits) * (1 - m)  # mask_as_fake_target
    total = real_loss.mean() + fake_loss.mean() + gp
    metrics = dict(discr_real_out=real_logits.mean().detach(), discr_fake_out=fake_logits.mean().detach(),
                   discr_real_gp=gp.detach())
    return total, metrics


def generator_losses(G_out, img, mask, D, pl_net, weights):
    pred = G_out
    inpainted = mask * pred + (1 - mask) * img
    l1 = masked_l1(pred, img, mask)
    fake_logits, fake_feats = D(inpainted)
    with torch.no_grad():
        _, real_feats = D(img)
    adv = F.softplus(-fake_logits).mean() * weights['adv']
    fm = sum(F.mse_loss(f, r.detach()) for f, r in zip(fake_feats, real_feats)) / len(fake_feats) * weights['fm']
    pf = pl_net(pred)
    with torch.no_grad():
        rf = pl_net(img)
    pl = sum(F.mse_loss(a, b) for a, b in zip(pf, rf)) * weights['pl']
    total = l1 + adv + fm + pl
    return total, dict(gen_l1=l1.detach(), gen_adv=adv.detach(), gen_fm=fm.detach(), gen_resnet_pl=pl.detach()), inpainted


# ============================================================ evaluation (LaMa evaluator layout; proxies for LPIPS/FID)

def _gauss_window(size=11, sigma=1.5):
    g = torch.exp(-((torch.arange(size) - size // 2) ** 2).float() / (2 * sigma ** 2))
    g = g / g.sum()
    w = g[:, None] @ g[None, :]
    return w.expand(3, 1, size, size).contiguous()


_WIN = _gauss_window()


def ssim_per_image(a, b):
    C1, C2 = 0.01 ** 2, 0.03 ** 2
    mu1 = F.conv2d(a, _WIN, padding=5, groups=3)
    mu2 = F.conv2d(b, _WIN, padding=5, groups=3)
    s11 = F.conv2d(a * a, _WIN, padding=5, groups=3) - mu1 ** 2
    s22 = F.conv2d(b * b, _WIN, padding=5, groups=3) - mu2 ** 2
    s12 = F.conv2d(a * b, _WIN, padding=5, groups=3) - mu1 * mu2
    m = ((2 * mu1 * mu2 + C1) * (2 * s12 + C2)) / ((mu1 ** 2 + mu2 ** 2 + C1) * (s11 + s22 + C2))
    return m.flatten(1).mean(1)


def lpips_per_image(net, a, b):
    fa, fb = net(a), net(b)
    out = 0
    for x, y in zip(fa, fb):
        x = x / (x.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        y = y / (y.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
        out = out + (x - y).pow(2).sum(1).mean((1, 2))
    return out / len(fa)


FID_SCALE = 40.0


def fid_features(net, x):
    return (net(x)[-1].mean((2, 3)) * FID_SCALE).double().numpy()


class FidSingular(Exception):
    pass


def frechet(f1, f2):
    if len(f1) < 2 or len(f2) < 2:
        return float('nan')
    if not (np.isfinite(f1).all() and np.isfinite(f2).all()):
        raise FidSingular()
    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    ev = np.linalg.eigvals(s1 @ s2)
    tr_sqrt = np.sqrt(np.clip(ev.real, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt)


# ============================================================ config writing

def build_config(spec, run_name):
    loc = spec['data_root_dir']
    root = '/home/%s/inpainting-lama' % spec.get('home_user', 'user')
    opt = {'generator': {'kind': 'adam', 'lr': spec['g_lr']},
           'discriminator': {'kind': 'adam', 'lr': spec['d_lr']}}
    if spec.get('scheduler'):
        opt['scheduler'] = spec['scheduler']
    s = spec['image_size']
    trainer_kwargs = {
        'gpus': -1, 'accelerator': 'ddp', 'max_epochs': spec['max_epochs'],
        'gradient_clip_val': spec['gradient_clip_val'], 'log_gpu_memory': 'None',
        'limit_train_batches': spec['iters_per_epoch'],
        'val_check_interval': '${trainer.kwargs.limit_train_batches}',
        'log_every_n_steps': spec['log_every_n_steps'], 'precision': 32, 'terminate_on_nan': False,
        'check_val_every_n_epoch': spec.get('check_val_every_n_epoch', 1), 'num_sanity_val_steps': 8,
        'replace_sampler_ddp': False}
    cfg = {
        'run_title': spec.get('run_title', ''),
        'training_model': {'kind': 'default', 'visualize_each_iters': spec['iters_per_epoch'], 'concat_mask': True,
                           'store_discr_outputs_for_vis': True, 'image_to_discriminator': 'inpainted'},
        'losses': {'l1': {'weight_missing': 5, 'weight_known': 10}, 'perceptual': {'weight': 0},
                   'adversarial': {'kind': 'r1', 'weight': 10, 'gp_coef': 0.001, 'mask_as_fake_target': True,
                                   'allow_scale_mask': True},
                   'feature_matching': {'weight': 100},
                   'resnet_pl': {'weight': 30, 'weights_path': '${env:TORCH_HOME}'}},
        'optimizers': opt,
        'visualizer': {'key_order': ['image', 'predicted_image', 'discr_output_fake', 'discr_output_real', 'inpainted'],
                       'rescale_keys': ['discr_output_fake', 'discr_output_real'],
                       'kind': spec.get('visualizer_kind', 'noop'),
                       'outdir': '%s/experiments/%s/samples' % (root, run_name)},
        'location': {'data_root_dir': loc, 'out_root_dir': '%s/experiments' % root, 'tb_dir': '%s/tb_logs' % root,
                     'pretrained_models': root + '/'},
        'data': {
            'batch_size': spec['batch_size'], 'val_batch_size': 2, 'num_workers': spec.get('num_workers', 3),
            'train': {'indir': '${location.data_root_dir}/train', 'out_size': s,
                      'mask_gen_kwargs': {'irregular_proba': 1,
                                          'irregular_kwargs': {'max_angle': 4, 'max_len': int(s * .4), 'max_width': max(2, int(s * .1)),
                                                               'max_times': 4, 'min_times': 1},
                                          'box_proba': 1,
                                          'box_kwargs': {'margin': 1, 'bbox_min_size': 3, 'bbox_max_size': int(s * .45),
                                                         'max_times': 2, 'min_times': 1},
                                          'segm_proba': 0},
                      'transform_variant': 'no_augs',
                      'dataloader_kwargs': {'batch_size': '${data.batch_size}', 'shuffle': True,
                                            'num_workers': '${data.num_workers}'}},
            'val': {'indir': '${location.data_root_dir}/val', 'img_suffix': '.png',
                    'dataloader_kwargs': {'batch_size': '${data.val_batch_size}', 'shuffle': False,
                                          'num_workers': '${data.num_workers}'}},
            'visual_test': {'indir': '${location.data_root_dir}/visual_test', 'img_suffix': '.png',
                            'pad_out_to_modulo': s,
                            'dataloader_kwargs': {'batch_size': 1, 'shuffle': False,
                                                  'num_workers': '${data.num_workers}'}}},
        'generator': {'kind': 'pix2pixhd_global', 'input_nc': 4, 'output_nc': 3, 'ngf': spec['ngf'],
                      'n_downsampling': 2, 'n_blocks': 2, 'conv_kind': 'default', 'add_out_act': 'sigmoid'},
        'discriminator': {'kind': 'pix2pixhd_nlayer', 'input_nc': 3, 'ndf': spec['ndf'], 'n_layers': 2},
        'evaluator': {'kind': 'default', 'inpainted_key': 'inpainted', 'integral_kind': 'ssim_fid100_f1'},
        'trainer': {'kwargs': trainer_kwargs,
                    'checkpoint_kwargs': {'verbose': True, 'save_top_k': 5, 'save_last': True, 'period': 1,
                                          'monitor': 'val_ssim_fid100_f1_total_mean', 'mode': 'max'}},
    }
    if spec.get('scheduler'):
        cfg['trainer']['lr_monitor'] = {'logging_interval': None}
    return cfg


def resolve(cfg, env):
    """Minimal OmegaConf-style resolution of ${a.b.c} and ${env:X} for hparams.yaml."""
    import re

    def get(path):
        node = cfg
        for k in path.split('.'):
            node = node[k]
        return node

    def res(v):
        if isinstance(v, dict):
            return {k: res(x) for k, x in v.items()}
        if isinstance(v, list):
            return [res(x) for x in v]
        if isinstance(v, str) and '${' in v:
            full = re.fullmatch(r'\$\{([^}]+)\}', v)
            if full and not full.group(1).startswith('env:'):
                return res(get(full.group(1)))

            def sub(m):
                key = m.group(1)
                if key.startswith('env:'):
                    return env.get(key[4:], '')
                return str(res(get(key)))
            return re.sub(r'\$\{([^}]+)\}', sub, v)
        return v
    return res(cfg)


def dump_yaml(obj):
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, allow_unicode=True)


def hydra_yaml(spec, run_name, overrides):
    dataset_dir = os.path.basename(spec['data_root_dir'].rstrip('/'))
    return {'hydra': {
        'run': {'dir': '${location.out_root_dir}/${env:USER}_${now:%Y-%m-%d_%H-%M-%S}_${hydra:job.name}_${hydra:job.config_name}_${run_title}'},
        'sweep': {'dir': '${hydra:run.dir}_sweep', 'subdir': '${hydra.job.num}'},
        'job_logging': {'version': 1,
                        'formatters': {'simple': {'format': '[%(asctime)s][%(name)s][%(levelname)s] - %(message)s'}},
                        'handlers': {'console': {'class': 'logging.StreamHandler', 'formatter': 'simple',
                                                 'stream': 'ext://sys.stdout'},
                                     'file': {'class': 'logging.FileHandler', 'formatter': 'simple',
                                              'filename': '${hydra.job.name}.log'}},
                        'root': {'level': 'INFO', 'handlers': ['console', 'file']},
                        'disable_existing_loggers': False},
        'output_subdir': '.hydra',
        'overrides': {'hydra': [], 'task': overrides},
        'job': {'name': 'train', 'override_dirname': ','.join(sorted(overrides)), 'id': '???', 'num': '???',
                'config_name': spec['config_name'], 'env_set': {}, 'env_copy': []},
        'runtime': {'version': '1.1.0', 'cwd': '/home/%s/inpainting-lama' % spec.get('home_user', 'user'),
                    'choices': {'hydra': 'overrides', 'trainer': 'any_gpu_large_ssim_ddp_final',
                                'evaluator': 'default_inpainted', 'visualizer': spec.get('visualizer_kind', 'noop'),
                                'optimizers': 'default_optimizers', 'discriminator': 'pix2pixhd_nlayer',
                                'generator': 'pix2pixhd_global_tiny', 'data': 'tiny%d-mh' % spec['image_size'],
                                'location': dataset_dir.replace('_dataset', '').replace('-dataset', '')}},
        'verbose': False}}


# ============================================================ logging (Hydra job-log format, with the synthetic clock)

class ClockFormatter(logging.Formatter):
    def __init__(self, clock):
        super().__init__('[%(asctime)s][%(name)s][%(levelname)s] - %(message)s')
        self.clock = clock

    def formatTime(self, record, datefmt=None):
        t = self.clock.start_unix + (record.created - self.clock.real0)
        d = self.clock.dt_of(t)
        return d.strftime('%Y-%m-%d %H:%M:%S') + ',%03d' % (d.microsecond // 1000)


def setup_logging(path, clock):
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    fh = logging.FileHandler(path, mode='w')
    fh.setFormatter(ClockFormatter(clock))
    root.addHandler(fh)
    root.setLevel(logging.INFO)
    return fh


L_MAIN = logging.getLogger('__main__')
L_ROOT = logging.getLogger('root')
L_BASE = logging.getLogger('saicinpainting.training.trainers.base')
L_DATA = logging.getLogger('saicinpainting.training.data.datasets')
L_EVAL = logging.getLogger('saicinpainting.evaluation.evaluator')
L_LOSS = logging.getLogger('saicinpainting.evaluation.losses.base_loss')
L_UTIL = logging.getLogger('saicinpainting.utils')
EV_CLS = "<class 'saicinpainting.evaluation.evaluator.InpaintingEvaluatorOnline'>"


def format_table(res):
    """res: {(score, group): {'mean':..,'std':..}} -> LaMa's printed DataFrame."""
    if pd is not None:
        df = pd.DataFrame(res).stack(1).unstack(0)
        df.dropna(axis=1, how='all', inplace=True)
        return str(df)
    raise RuntimeError('pandas is needed for the validation tables')


# ============================================================ the run

def schedulers_for(spec, opt_g, opt_d):
    sc = spec.get('scheduler')
    if not sc:
        return None
    kind, kw = sc['kind'], dict(sc.get('kwargs', {}))
    out = []
    for opt in (opt_g, opt_d):
        if kind == 'MultiStepLR':
            s = torch.optim.lr_scheduler.MultiStepLR(opt, **kw)
        elif kind == 'ExponentialLR':
            s = torch.optim.lr_scheduler.ExponentialLR(opt, **kw)
        elif kind == 'CosineAnnealingWarmRestarts':
            base = opt.param_groups[0]['lr']
            s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, eta_min=base * sc.get('eta_min_factor', 0.0), **kw)
        elif kind == 'LinearWarmup':
            w = kw['warmup_steps']
            s0 = kw.get('start_factor', 0.01)
            s = torch.optim.lr_scheduler.LambdaLR(opt, lambda i, w=w, s0=s0: s0 + (1 - s0) * min(1.0, i / w))
        else:
            raise ValueError(kind)
        out.append(s)
    return out


def run(spec, out_root):
    clock = Clock(spec['start'])
    seed = spec['seed']
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
    rng = np.random.default_rng(seed + 7)

    stamp = clock.start_dt.strftime('%Y-%m-%d_%H-%M-%S')
    run_name = '%s_%s_train_%s_%s' % (spec['user'], stamp, spec['config_name'], spec.get('run_title', ''))
    exp_dir = os.path.join(out_root, 'experiments', run_name)
    tb_dir = os.path.join(out_root, 'tb_logs', run_name, 'version_0')
    os.makedirs(os.path.join(exp_dir, '.hydra'), exist_ok=True)
    os.makedirs(tb_dir, exist_ok=True)

    timeline = []  # (kind, t0, t1) in synthetic unix time; kind: 'compute' | 'idle'
    t_proc_start = clock.now()

    setup_logging(os.path.join(exp_dir, 'train.log'), clock)
    L_UTIL.warning('Setting signal 10 handler <function print_traceback_handler at 0x7f%010x>' % rng.integers(1 << 36))

    cfg = build_config(spec, run_name)
    overrides = list(spec.get('overrides', []))
    env = {'TORCH_HOME': '/home/%s/inpainting-lama' % spec.get('home_user', 'user'), 'USER': spec['user']}
    cfg_text = dump_yaml(cfg)
    L_MAIN.info(cfg_text)
    with open(os.path.join(exp_dir, 'config.yaml'), 'w') as f:
        f.write(cfg_text)
    with open(os.path.join(exp_dir, '.hydra', 'config.yaml'), 'w') as f:
        hcfg = json.loads(json.dumps(cfg))
        hcfg['visualizer']['outdir'] = 'samples'
        f.write(dump_yaml(hcfg))
    with open(os.path.join(exp_dir, '.hydra', 'hydra.yaml'), 'w') as f:
        f.write(dump_yaml(hydra_yaml(spec, run_name, overrides)))
    with open(os.path.join(exp_dir, '.hydra', 'overrides.yaml'), 'w') as f:
        f.write(dump_yaml(overrides))

    # ---------------- data
    s = spec['image_size']
    ds = spec['dataset']
    data_seed = spec.get('data_seed', 1000 if ds == 'places' else 2000)
    train_imgs = make_images(ds, spec['n_train'], s, data_seed + seed)
    val_imgs = make_images(ds, spec.get('n_val_per_bucket', 12) * 6, s, data_seed + 500000)
    val_masks = make_bucketed_masks(spec.get('n_val_per_bucket', 12), 6, s, 77)
    test_imgs = make_images(ds, 4, s, data_seed + 900000)
    test_masks = make_bucketed_masks(1, 3, s, 78)
    test_masks = torch.cat([test_masks[:1], make_bucketed_masks(1, 1, s, 79), test_masks[1:]])  # 2/1/1 in 0-30%
    mask_bank = make_mask_bank(spec.get('mask_bank', 1500), s, seed + 11)

    # ---------------- models
    G = GlobalGenerator(4, 3, spec['ngf'], 2, 2)
    D = NLayerDiscriminator(3, spec['ndf'], 2)
    pl_net = FixedRandomNet(12345)
    lp_net = FixedRandomNet(23456, chans=(16, 24, 32))
    fid_net = FixedRandomNet(34567, chans=(16, 24, 16))
    weights = {'adv': 10.0, 'fm': 100.0, 'pl': 30.0}

    L_ROOT.info('Make training model default')
    L_BASE.info('BaseInpaintingTrainingModule init called')
    L_ROOT.info('Make generator pix2pixhd_global')
    L_BASE.info('Generator\n%s' % G)
    L_ROOT.info('Make discriminator pix2pixhd_nlayer')
    L_BASE.info('Discriminator\n%s' % D)
    L_ROOT.info('Make visualizer %s' % spec.get('visualizer_kind', 'noop'))
    for _ in range(2):
        L_ROOT.info('Make evaluator default')
        L_LOSS.info('FIDscore init called')
        L_LOSS.info('FIDscore init done')
        L_EVAL.info('%s init called' % EV_CLS)
        L_EVAL.info('%s init done' % EV_CLS)
    L_BASE.info('BaseInpaintingTrainingModule init done')

    opt_g = torch.optim.Adam(G.parameters(), lr=spec['g_lr'])
    opt_d = torch.optim.Adam(D.parameters(), lr=spec['d_lr'])
    scheds = schedulers_for(spec, opt_g, opt_d)
    sc = spec.get('scheduler') or {}
    sched_interval = sc.get('interval', 'epoch')
    sched_start_epoch = sc.get('start_epoch', 0)

    host = spec.get('host', 'gpu-node-07')
    writer = EventFileWriter(tb_dir, host=host, pid=os.getpid(), start_time=clock.now())
    resolved = resolve(cfg, env)
    with open(os.path.join(tb_dir, 'hparams.yaml'), 'w') as f:
        f.write(dump_yaml(resolved))
    writer.add_scalar('hp_metric', -1.0, 0, clock.now())

    iters = spec['iters_per_epoch']
    max_epochs = spec['max_epochs']
    log_n = spec['log_every_n_steps']
    val_every = spec.get('check_val_every_n_epoch', 1)
    bs = spec['batch_size']
    clip = spec['gradient_clip_val']
    n_val_b = val_imgs.shape[0] // 2
    n_test_b = test_imgs.shape[0]
    val_scale = n_val_b / (n_val_b + n_test_b + 1e-3)
    test_scale = n_test_b / (n_val_b + n_test_b + 1e-3)
    sleep_cfg = spec.get('loader_sleep')

    values = {}  # tag -> list of (step, value)  (also read back from the event file by label.py)

    def log(tag, value, step):
        v = float(value)
        writer.add_scalar(tag, v, step, clock.now())
        values.setdefault(tag, []).append((step, v))

    # ---------------- evaluation
    def evaluate(epoch, gstep, sanity=False):
        t0 = clock.now()
        G.eval()
        D.eval()
        results = {}
        for mode, imgs, masks, scale in (('val', val_imgs, val_masks, val_scale), ('test', test_imgs, test_masks, test_scale)):
            with torch.no_grad():
                pred = G(torch.cat([imgs * (1 - masks), masks], 1))
                inp = masks * pred + (1 - masks) * imgs
                l1 = masked_l1(pred, imgs, masks)
                fl, ff = D(inp)
                _, rf = D(imgs)
                adv = F.softplus(-fl).mean() * weights['adv']
                fm = sum(F.mse_loss(a, b) for a, b in zip(ff, rf)) / len(ff) * weights['fm']
                pl = sum(F.mse_loss(a, b) for a, b in zip(pl_net(pred), pl_net(imgs))) * weights['pl']
                ss = ssim_per_image(inp, imgs).numpy().astype(np.float64)
                lp = lpips_per_image(lp_net, inp, imgs).numpy().astype(np.float64)
                f_fake = fid_features(fid_net, inp)
                f_real = fid_features(fid_net, imgs)
            area = masks.flatten(1).mean(1).numpy()
            bidx = np.minimum((area * 10).astype(int), 9)
            L_EVAL.info('%s: evaluation_end called' % EV_CLS)
            res = {}
            groups = [(BUCKETS[b], bidx == b) for b in sorted(set(bidx.tolist()))] + [('total', np.ones_like(bidx, bool))]
            for g, sel in groups:
                res[('ssim', g)] = {'mean': float(np.mean(ss[sel])), 'std': float(np.std(ss[sel]))}
            for g, sel in groups:
                res[('lpips', g)] = {'mean': float(np.mean(lp[sel])), 'std': float(np.std(lp[sel]))}
            for g, sel in groups:
                try:
                    fv = frechet(f_fake[sel], f_real[sel])
                except FidSingular:
                    L_LOSS.warning('fid calculation produces singular product; adding 1e-06 to diagonal of cov estimates')
                    fv = float('nan')
                res[('fid', g)] = {'mean': fv}
            fid_t, ssim_t = res[('fid', 'total')]['mean'], res[('ssim', 'total')]['mean']
            if math.isfinite(fid_t) and math.isfinite(ssim_t):
                fid_rel = max(0.0, 100 - fid_t) / 100
                f1 = 2 * ssim_t * fid_rel / (ssim_t + fid_rel + 1e-3)
            else:
                f1 = float('nan')
            res[('ssim_fid100_f1', 'total')] = {'mean': f1}
            head = 'Validation' if mode == 'val' else 'Test'
            L_BASE.info('%s metrics after epoch #%d, total %d iterations:\n%s' % (head, epoch, gstep, format_table(res)))
            results[mode] = (res, dict(gen_l1=float(l1) * scale, gen_adv=float(adv) * scale, gen_fm=float(fm) * scale,
                                       gen_resnet_pl=float(pl) * scale))
        G.train()
        D.train()
        timeline.append(('compute', t0, clock.now()))
        if sanity:
            return
        for mode in ('val', 'test'):
            res, losses = results[mode]
            for k in ('gen_l1', 'gen_adv', 'gen_fm', 'gen_resnet_pl'):
                log('%s_%s' % (mode, k), losses[k], gstep)
            for (score, group), stats in sorted(res.items()):
                for st, v in stats.items():
                    if group != 'total' and (mode == 'test' or st == 'std'):
                        continue  # keeps the corpus small: per-bucket means of val only
                    log('%s_%s_%s_%s' % (mode, score, group, st), v, gstep)
        log('epoch', epoch, gstep)

    L_DATA.info('Make val dataloader default from %s/val' % spec['data_root_dir'])
    L_DATA.info('Make val dataloader default from %s/visual_test' % spec['data_root_dir'])
    timeline.append(('idle', t_proc_start, clock.now()))
    evaluate(0, 0, sanity=True)
    writer.add_scalar('hp_metric', -1.0, 0, clock.now())
    L_DATA.info('Make train dataloader default from %s/train. Using mask generator=mixed' % spec['data_root_dir'])

    # ---------------- training
    gstep = 0
    n_train = train_imgs.shape[0]
    perm, pp = torch.randperm(n_train), 0
    last_compute = 0.02
    stall_next = rng.integers(*sleep_cfg['stall_every']) if sleep_cfg else None
    lr_tags = ('lr-Adam', 'lr-Adam-1')
    for epoch in range(max_epochs):
        if scheds and sched_interval == 'epoch':
            for tag, opt in zip(lr_tags, (opt_g, opt_d)):
                log(tag, opt.param_groups[0]['lr'], gstep)
        for it in range(iters):
            # data loading (real sleeps for the starved-loader scenarios)
            if sleep_cfg:
                t0 = clock.now()
                time.sleep(last_compute * rng.uniform(*sleep_cfg['per_batch_factor']))
                stall_next -= 1
                if stall_next <= 0:
                    time.sleep(rng.uniform(*sleep_cfg['stall_seconds']))
                    stall_next = rng.integers(*sleep_cfg['stall_every'])
                timeline.append(('idle', t0, clock.now()))
            t0 = clock.now()
            if pp + bs > n_train:
                perm, pp = torch.randperm(n_train), 0
            idx = perm[pp:pp + bs] if bs <= n_train else torch.randint(0, n_train, (bs,))
            pp += bs
            img = train_imgs[idx]
            mask = mask_bank[torch.randint(0, mask_bank.shape[0], (img.shape[0],))]
            if rng.random() < 0.5:
                mask = mask.flip(3)
            if rng.random() < 0.5:
                mask = mask.transpose(2, 3)
            should_log = (gstep + 1) % log_n == 0
            if scheds and sched_interval == 'step' and should_log:
                for tag, opt in zip(lr_tags, (opt_g, opt_d)):
                    log(tag, opt.param_groups[0]['lr'], gstep)
            # optimizer_idx 0: generator
            pred = G(torch.cat([img * (1 - mask), mask], 1))
            g_total, g_metrics, inpainted = generator_losses(pred, img, mask, D, pl_net, weights)
            opt_g.zero_grad(set_to_none=True)
            g_total.backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(G.parameters(), clip)
            opt_g.step()
            opt_d.zero_grad(set_to_none=True)  # the generator step also filled D's grads
            # optimizer_idx 1: discriminator
            d_total, d_metrics = discr_loss_r1(D, img, inpainted.detach(), mask)
            d_total.backward()
            if clip:
                torch.nn.utils.clip_grad_norm_(D.parameters(), clip)
            opt_d.step()
            if scheds and sched_interval == 'step':
                for sch in scheds:
                    sch.step()
            last_compute = clock.now() - t0
            timeline.append(('compute', t0, clock.now()))
            if should_log:
                m = {'train_gen_l1': g_metrics['gen_l1'], 'train_gen_adv': g_metrics['gen_adv'],
                     'train_gen_fm': g_metrics['gen_fm'], 'train_gen_resnet_pl': g_metrics['gen_resnet_pl'],
                     'train_discr_adv': d_total.detach(), 'train_adv_discr_real_out': d_metrics['discr_real_out'],
                     'train_adv_discr_fake_out': d_metrics['discr_fake_out'],
                     'train_adv_discr_real_gp': d_metrics['discr_real_gp']}
                for k in sorted(m):
                    log(k, float(m[k]), gstep)
                log('epoch', epoch, gstep)
            gstep += 1
        if (epoch + 1) % val_every == 0:
            evaluate(epoch, gstep - 1)
        if scheds and sched_interval == 'epoch' and epoch + 1 >= sched_start_epoch:
            for sch in scheds:
                sch.step()
    writer.close()
    t_end = clock.now()
    for h in list(logging.getLogger().handlers):
        h.close()
        logging.getLogger().removeHandler(h)

    write_gpu_csv(os.path.join(exp_dir, 'gpu.csv'), timeline, t_proc_start, t_end, spec, rng, clock)
    return {'run_name': run_name, 'event_file': os.path.relpath(writer.path, out_root),
            'wall_seconds': round(t_end - t_proc_start, 1), 'steps': gstep,
            'timeline_compute_seconds': round(sum(b - a for k, a, b in timeline if k == 'compute'), 1)}


# ============================================================ synthetic nvidia-smi log from the real timeline

GPUS = {'a100-80': ('NVIDIA A100-SXM4-80GB', 81920, 62.0, 400.0),
        'a100-40': ('NVIDIA A100-SXM4-40GB', 40960, 55.0, 400.0),
        'v100': ('Tesla V100-SXM2-32GB', 32768, 42.0, 300.0),
        'a6000': ('NVIDIA RTX A6000', 49140, 24.0, 300.0)}


def write_gpu_csv(path, timeline, t_start, t_end, spec, rng, clock):
    name, mem_total, p_idle, p_max = GPUS[spec.get('gpu', 'a100-80')]
    comp = sorted((a, b) for k, a, b in timeline if k == 'compute')
    t = math.floor(t_start) - 2 + rng.uniform(0.3, 0.6)
    ci = 0
    temp = 34.0
    mem_used_run = spec.get('gpu_mem_mib', 3000 + 200 * spec['batch_size'])
    lines = ['timestamp, index, name, utilization.gpu [%], utilization.memory [%], memory.used [MiB], '
             'memory.total [MiB], temperature.gpu, power.draw [W]']
    while t < t_end + 3:
        a, b = t - 1.0, t
        busy = 0.0
        while ci < len(comp) and comp[ci][1] < a:
            ci += 1
        j = ci
        while j < len(comp) and comp[j][0] < b:
            busy += max(0.0, min(b, comp[j][1]) - max(a, comp[j][0]))
            j += 1
        frac = min(1.0, busy)
        util = int(round(100 * frac * rng.uniform(0.985, 1.0)))
        active = t_start + 1.5 < t < t_end
        mem = int(mem_used_run + rng.integers(-40, 40)) if active else 0
        umem = int(round(util * rng.uniform(0.35, 0.5)))
        temp += ((34 + 0.35 * util) - temp) * 0.08
        power = p_idle + (p_max - p_idle) * 0.75 * frac + rng.uniform(-2, 2) if active else p_idle
        ts = clock.dt_of(t)
        lines.append('%s.%03d, 0, %s, %d %%, %d %%, %d MiB, %d MiB, %d, %.2f W' % (
            ts.strftime('%Y/%m/%d %H:%M:%S'), ts.microsecond // 1000, name, util, umem, mem, mem_total,
            int(round(temp)), power))
        t += 1.0 + rng.uniform(0.001, 0.004)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--spec', required=True, help='scenario JSON (see make_corpus.py)')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    spec = json.loads(a.spec)
    info = run(spec, a.out)
    print(json.dumps(info))


if __name__ == '__main__':
    main()
