#!/usr/bin/python3
"""The scenario list of the torch corpus, and the command that generates everything.

    /usr/bin/python3 scripts/corpus/make_corpus.py                  # all runs, then label.py
    /usr/bin/python3 scripts/corpus/make_corpus.py --only ID [ID..] # regenerate some runs, then label.py
    /usr/bin/python3 scripts/corpus/make_corpus.py --list

Runs ONE training at a time (each is single-threaded), so it uses one CPU core. The output goes to
tests/fixtures/torch-corpus/ (experiments/, tb_logs/, labels.json, README.md).

Each scenario: id, intent (the kinds it is meant to show; [] = healthy), description, optional
hard_negative / reference flags and notes, and the trainer spec (see train_tiny_lama.py):
    user, start (run start time; durations are real, the clock is shifted so names are deterministic),
    config_name, run_title, dataset (places|celeba), data_root_dir, image_size, n_train, batch_size,
    iters_per_epoch (= limit_train_batches), max_epochs, check_val_every_n_epoch, log_every_n_steps,
    g_lr, d_lr, gradient_clip_val (0 = off), scheduler (optimizers.scheduler block or absent),
    loader_sleep (starved data loader: real sleeps), seed, ngf, ndf, gpu (synthetic GPU model), host.
"""

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, '..', '..'))
OUT = os.path.join(REPO, 'tests', 'fixtures', 'torch-corpus')
PY = '/usr/bin/python3'  # Debian's python: python3-torch / numpy / pandas / yaml live there

PLACES = '/home/%s/inpainting-lama/places_standard_dataset/'
CELEBA = '/home/%s/inpainting-lama/celeba-hq-dataset/'

BASE = dict(config_name='lama-tiny24', run_title='', image_size=24, n_train=3000, batch_size=10,
            iters_per_epoch=100, max_epochs=15, check_val_every_n_epoch=1, log_every_n_steps=10,
            g_lr=1e-3, d_lr=1e-4, gradient_clip_val=1, ngf=16, ndf=16, gpu='a100-80', host='gpu-node-07',
            dataset='places')


def S(user, start, home='user', **kw):
    spec = dict(BASE)
    spec.update(kw)
    spec['user'] = user
    spec['home_user'] = home
    spec['start'] = start
    root = CELEBA if spec['dataset'] == 'celeba' else PLACES
    spec['data_root_dir'] = root % home
    spec['overrides'] = ['location=%s' % ('celeba' if spec['dataset'] == 'celeba' else 'places_standard')] + \
        spec.pop('extra_overrides', [])
    return spec


def MSTEP(milestones, gamma):
    return {'kind': 'MultiStepLR', 'interval': 'epoch', 'kwargs': {'milestones': milestones, 'gamma': gamma}}


def EXP_EPOCH(gamma, start_epoch):
    return {'kind': 'ExponentialLR', 'interval': 'epoch', 'start_epoch': start_epoch, 'kwargs': {'gamma': gamma}}


def EXP_STEP(gamma):
    return {'kind': 'ExponentialLR', 'interval': 'step', 'kwargs': {'gamma': gamma}}


STARVED = {'per_batch_factor': [0.8, 1.6], 'stall_every': [15, 40], 'stall_seconds': [0.8, 2.0]}

SCENARIOS = [
    # ------------------------------------------------------------------ healthy (hard negatives)
    dict(id='healthy_default_places', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs (G 1e-3, D 1e-4), places-like data, 15 epochs x 100 iterations, log every 10.',
         spec=S('k.ivanova', '2027-02-01 09:02:11', seed=11,
                extra_overrides=['data.batch_size=10'])),
    dict(id='healthy_default_celeba', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs on the celeba location (face-like images), 15 x 100 iterations, log every 10.',
         spec=S('k.ivanova', '2027-02-01 09:31:40', dataset='celeba', seed=12, gpu='a100-40')),
    dict(id='healthy_multistep', intent=[], hard_negative=True,
         description='MultiStepLR x0.2 at epochs 5 and 10 (G 1.5e-3, D 1.5e-4), 12 x 80 iterations; LR logged as lr-Adam / lr-Adam-1; log every 5.',
         notes=['hard negative: the LR step drops at steps 400 and 800 are scheduled, not a pathology'],
         spec=S('lab', '2027-02-02 10:15:03', run_title='steps', g_lr=1.5e-3, d_lr=1.5e-4, max_epochs=12,
                iters_per_epoch=80, log_every_n_steps=5, scheduler=MSTEP([5, 10], 0.2), seed=13,
                extra_overrides=['optimizers.generator.lr=0.0015', 'optimizers.discriminator.lr=0.00015',
                                 'trainer.kwargs.limit_train_batches=80'])),
    dict(id='healthy_cosine_restarts', intent=[], hard_negative=True,
         description='CosineAnnealingWarmRestarts T_0=300 iterations, eta_min 2% (G 2e-3, D 2e-4), stepped per iteration; celeba.',
         notes=['hard negative: the LR saw-tooth (restarts every 300 iterations) is scheduled'],
         spec=S('lab', '2027-02-02 11:40:27', run_title='cosine', dataset='celeba', g_lr=2e-3, d_lr=2e-4,
                scheduler={'kind': 'CosineAnnealingWarmRestarts', 'interval': 'step', 'eta_min_factor': 0.02,
                           'kwargs': {'T_0': 300, 'T_mult': 1}}, seed=14)),
    dict(id='healthy_warmup', intent=[], hard_negative=True,
         description='Linear LR warm-up from 1% over 300 iterations, then constant default LRs; 20 x 100 iterations, log every 20.',
         notes=['hard negative: the LR ramp at the start is scheduled'],
         spec=S('m_garcia', '2027-02-03 08:05:51', run_title='warmup', max_epochs=20, log_every_n_steps=20,
                scheduler={'kind': 'LinearWarmup', 'interval': 'step',
                           'kwargs': {'warmup_steps': 300, 'start_factor': 0.01}}, seed=15, gpu='v100')),
    dict(id='healthy_converged_flat', intent=[], hard_negative=True,
         description='Default LRs run long (24 x 100 iterations, log every 20): converges early and stays flat for its last third.',
         notes=['hard negative: flat validation in the last third is convergence at a healthy level, not a plateau'],
         spec=S('t.nguyen', '2027-02-03 14:22:09', max_epochs=24, log_every_n_steps=20, seed=16)),
    dict(id='healthy_short', intent=[], hard_negative=True,
         description='Short healthy run: 10 epochs x 60 iterations, log every 5 (120 points, 10 validations).',
         spec=S('t.nguyen', '2027-02-04 09:12:44', iters_per_epoch=60, max_epochs=10, log_every_n_steps=5,
                seed=17, extra_overrides=['trainer.kwargs.limit_train_batches=60'])),
    dict(id='healthy_noisy_small_batch', intent=[], hard_negative=True,
         description='Batch size 2: very noisy single-step GAN losses, healthy LRs; 30 x 100 iterations (batch 2 learns less per iteration), log every 20.',
         notes=['hard negative: the spread of the single-batch losses comes from the batch size, not from the LR'],
         spec=S('rohan_s_93', '2027-02-04 16:47:30', home='rohan', batch_size=2, max_epochs=30, log_every_n_steps=20,
                seed=18, gpu='a6000',
                extra_overrides=['data.batch_size=2'])),
    dict(id='healthy_celeba_log5', intent=[], hard_negative=True,
         description='Healthy celeba run at default LRs, 12 epochs x 80 iterations, log every 5, batch 8.',
         spec=S('rohan_s_93', '2027-02-05 10:03:17', home='rohan', dataset='celeba', iters_per_epoch=80,
                max_epochs=12, log_every_n_steps=5, batch_size=8, seed=19, gpu='a6000',
                extra_overrides=['data.batch_size=8', 'trainer.kwargs.limit_train_batches=80'])),

    # ------------------------------------------------------------------ oscillation
    dict(id='oscillation_places', intent=['oscillation'],
         description='Both LRs far too high (G 5e-2 = 50x, D 5e-1 = 5000x), gradient clipping on (1); places, log every 10.',
         spec=S('k.ivanova', '2027-02-06 09:20:00', g_lr=5e-2, d_lr=5e-1, seed=21,
                extra_overrides=['optimizers.generator.lr=0.05', 'optimizers.discriminator.lr=0.5'])),
    dict(id='oscillation_celeba', intent=['oscillation'],
         description='LRs 30x / 3000x too high (G 3e-2, D 3e-1), clipping on; celeba, 10 x 80 iterations, log every 5.',
         spec=S('lab', '2027-02-06 13:55:12', dataset='celeba', g_lr=3e-2, d_lr=3e-1, iters_per_epoch=80,
                max_epochs=10, log_every_n_steps=5, seed=22,
                extra_overrides=['optimizers.generator.lr=0.03', 'optimizers.discriminator.lr=0.3'])),
    dict(id='oscillation_places_log20', intent=['oscillation'],
         description='LRs 40x / 4000x too high (G 4e-2, D 4e-1), clipping on, batch 8; 20 x 100 iterations, log every 20.',
         spec=S('m_garcia', '2027-02-06 17:31:05', g_lr=4e-2, d_lr=4e-1, batch_size=8, max_epochs=20,
                log_every_n_steps=20, seed=23, gpu='v100',
                extra_overrides=['optimizers.generator.lr=0.04', 'optimizers.discriminator.lr=0.4', 'data.batch_size=8'])),

    # ------------------------------------------------------------------ plateau
    dict(id='plateau_exp_decay', intent=['plateau'],
         description='ExponentialLR x0.3 per epoch from epoch 2 (LR < 1% of base after epoch 6): learns, then stalls.',
         spec=S('t.nguyen', '2027-02-07 08:44:36', run_title='decay', max_epochs=16, scheduler=EXP_EPOCH(0.3, 2),
                seed=31)),
    dict(id='plateau_lr_drop_to_tiny', intent=['plateau'],
         description='Good start at default LRs, then MultiStepLR x0.001 at epoch 3: a constant tiny LR (1e-6) for the rest; celeba.',
         spec=S('lab', '2027-02-07 12:10:58', run_title='steps', dataset='celeba', scheduler=MSTEP([3], 0.001),
                seed=32, gpu='a100-40')),
    dict(id='plateau_step_decay', intent=['plateau'],
         description='ExponentialLR gamma 0.992 per iteration (LR at 1% of base after ~575 iterations); 10 x 100 iterations, log every 5.',
         spec=S('rohan_s_93', '2027-02-07 19:02:20', home='rohan', run_title='decay', max_epochs=10,
                log_every_n_steps=5, scheduler=EXP_STEP(0.992), seed=33, gpu='a6000')),

    # ------------------------------------------------------------------ overfitting
    dict(id='overfitting_8_images', intent=['overfitting'],
         description='8 training images, batch 4 (2 iterations per epoch), 1000 epochs, validation every 50 epochs on 72 other images.',
         spec=S('k.ivanova', '2027-02-08 09:00:07', n_train=8, batch_size=4, iters_per_epoch=2, max_epochs=1000,
                check_val_every_n_epoch=50, seed=41,
                extra_overrides=['data.batch_size=4', 'trainer.kwargs.limit_train_batches=2',
                                 'trainer.kwargs.max_epochs=1000', 'trainer.kwargs.check_val_every_n_epoch=50'])),
    dict(id='overfitting_32_images_log20', intent=['overfitting'],
         description='32 training images, batch 8 (4 iterations per epoch), 600 epochs, validation every 30 epochs, log every 20.',
         spec=S('lab', '2027-02-08 13:30:41', n_train=32, batch_size=8, iters_per_epoch=4, max_epochs=600,
                check_val_every_n_epoch=30, log_every_n_steps=20, seed=42,
                extra_overrides=['data.batch_size=8', 'trainer.kwargs.limit_train_batches=4',
                                 'trainer.kwargs.max_epochs=600', 'trainer.kwargs.check_val_every_n_epoch=30'])),
    dict(id='overfitting_16_images_log5', intent=['overfitting'],
         description='16 training images, batch 8 (2 iterations per epoch), 500 epochs, validation every 50 epochs, log every 5.',
         spec=S('m_garcia', '2027-02-08 18:15:33', n_train=16, batch_size=8, iters_per_epoch=2, max_epochs=500,
                check_val_every_n_epoch=50, log_every_n_steps=5, seed=43, gpu='v100',
                extra_overrides=['data.batch_size=8', 'trainer.kwargs.limit_train_batches=2',
                                 'trainer.kwargs.max_epochs=500', 'trainer.kwargs.check_val_every_n_epoch=50'])),
    dict(id='overfitting_celeba_8_images', intent=['overfitting'],
         description='8 celeba training images, batch 4, 1000 epochs of 2 iterations, validation every 50 epochs (face-like images are alike, so memorising 8 of them may still generalise).',
         spec=S('k.ivanova', '2027-02-08 21:05:12', dataset='celeba', n_train=8, batch_size=4, iters_per_epoch=2,
                max_epochs=1000, check_val_every_n_epoch=50, seed=44, gpu='a100-40',
                extra_overrides=['data.batch_size=4', 'trainer.kwargs.limit_train_batches=2',
                                 'trainer.kwargs.max_epochs=1000', 'trainer.kwargs.check_val_every_n_epoch=50'])),

    # ------------------------------------------------------------------ divergence
    dict(id='divergence_lr_ramp', intent=['divergence'],
         description='Mis-configured per-iteration ExponentialLR(gamma=1.03) on both optimizers (LR x10 every ~78 iterations), clipping off.',
         spec=S('t.nguyen', '2027-02-09 08:31:19', run_title='lrramp', gradient_clip_val=0, scheduler=EXP_STEP(1.03),
                seed=51)),
    dict(id='divergence_epoch_growth_celeba', intent=['divergence'],
         description='Mis-configured per-epoch ExponentialLR(gamma=3) (LR x3 every epoch), clipping off; celeba, 10 x 80 iterations, log every 5.',
         spec=S('lab', '2027-02-09 11:48:02', run_title='lrramp', dataset='celeba', gradient_clip_val=0,
                iters_per_epoch=80, max_epochs=10, log_every_n_steps=5, scheduler=EXP_EPOCH(3.0, 0), seed=52,
                extra_overrides=['trainer.kwargs.gradient_clip_val=0', 'trainer.kwargs.limit_train_batches=80'])),
    dict(id='divergence_huge_lr_noclip', intent=['divergence'],
         description='Huge constant LRs without clipping (G 1.0, D 1.0) from the first step; celeba, 10 x 80 iterations, log every 5.',
         notes=['the generator saturates within the first iterations (its output is constant from then on), so there is no early healthy level for a growth rule to compare with; see the labels for what the curves show'],
         spec=S('rohan_s_93', '2027-02-09 13:02:29', home='rohan', dataset='celeba', g_lr=1.0, d_lr=1.0,
                gradient_clip_val=0, iters_per_epoch=80, max_epochs=10, log_every_n_steps=5, seed=54, gpu='a6000',
                extra_overrides=['optimizers.generator.lr=1.0', 'optimizers.discriminator.lr=1.0',
                                 'trainer.kwargs.gradient_clip_val=0', 'trainer.kwargs.limit_train_batches=80'])),
    dict(id='divergence_slow_ramp_log20', intent=['divergence'],
         description='Per-iteration ExponentialLR(gamma=1.012) with clipping on (LR x10 every ~190 iterations); 20 x 100 iterations, log every 20.',
         spec=S('m_garcia', '2027-02-09 15:20:45', run_title='lrramp', max_epochs=20, log_every_n_steps=20,
                scheduler=EXP_STEP(1.012), seed=53, gpu='v100')),

    # ------------------------------------------------------------------ GAN imbalance
    dict(id='gan_imbalance_d_wins', intent=['gan_imbalance'],
         description='Generator LR tiny (1e-6), discriminator LR 10x default (1e-3): D wins.',
         spec=S('t.nguyen', '2027-02-10 09:10:10', g_lr=1e-6, d_lr=1e-3, max_epochs=16, seed=61,
                extra_overrides=['optimizers.generator.lr=1e-06', 'optimizers.discriminator.lr=0.001'])),
    dict(id='gan_imbalance_celeba', intent=['gan_imbalance'],
         description='G LR 1e-6, D LR 3e-3 on celeba, 10 x 100 iterations, log every 5.',
         spec=S('lab', '2027-02-10 14:02:57', dataset='celeba', g_lr=1e-6, d_lr=3e-3, max_epochs=10,
                log_every_n_steps=5, seed=62,
                extra_overrides=['optimizers.generator.lr=1e-06', 'optimizers.discriminator.lr=0.003'])),
    dict(id='gan_imbalance_log20', intent=['gan_imbalance'],
         description='G LR 1e-6, D LR 3e-3, batch 8, 20 x 100 iterations, log every 20.',
         spec=S('rohan_s_93', '2027-02-10 20:40:38', home='rohan', g_lr=1e-6, d_lr=3e-3, batch_size=8,
                max_epochs=20, log_every_n_steps=20, seed=63, gpu='a6000',
                extra_overrides=['optimizers.generator.lr=1e-06', 'optimizers.discriminator.lr=0.003',
                                 'data.batch_size=8'])),

    # ------------------------------------------------------------------ slow convergence
    dict(id='slow_convergence_places', intent=['slow_convergence'],
         description='LRs 100x too low (G 1e-5, D 1e-6), places, 15 x 100 iterations, log every 10.',
         spec=S('lab', '2027-02-11 09:25:31', g_lr=1e-5, d_lr=1e-6, seed=71,
                extra_overrides=['optimizers.generator.lr=1e-05', 'optimizers.discriminator.lr=1e-06'])),
    dict(id='slow_convergence_celeba_log20', intent=['slow_convergence'],
         description='LRs 100x too low (G 1e-5, D 1e-6), celeba, 20 x 100 iterations, log every 20.',
         spec=S('k.ivanova', '2027-02-11 13:44:06', dataset='celeba', g_lr=1e-5, d_lr=1e-6, max_epochs=20,
                log_every_n_steps=20, seed=72, gpu='a100-40',
                extra_overrides=['optimizers.generator.lr=1e-05', 'optimizers.discriminator.lr=1e-06'])),
    dict(id='slow_convergence_log5', intent=['slow_convergence'],
         description='LRs 50x too low (G 2e-5, D 2e-6), places, 12 x 80 iterations, log every 5.',
         spec=S('t.nguyen', '2027-02-11 17:08:52', g_lr=2e-5, d_lr=2e-6, iters_per_epoch=80, max_epochs=12,
                log_every_n_steps=5, seed=73,
                extra_overrides=['optimizers.generator.lr=2e-05', 'optimizers.discriminator.lr=2e-06',
                                 'trainer.kwargs.limit_train_batches=80'])),

    # ------------------------------------------------------------------ GPU under-utilisation
    dict(id='gpu_starved_loader', intent=['gpu_underutilization'],
         description='Healthy default LRs with a starved input pipeline: real sleeps in the loader (0.8-1.6x the previous step) plus 0.8-2 s stalls every 15-40 batches.',
         notes=['gpu.csv is SYNTHETIC (no GPU here) but derived from the real timeline; the event-file wall times show the slow steps for real'],
         spec=S('k.ivanova', '2027-02-12 09:00:44', max_epochs=10, seed=81, loader_sleep=STARVED)),
    dict(id='gpu_starved_celeba_log5', intent=['gpu_underutilization'],
         description='Healthy LRs, celeba, loader sleeps 1.5-2.5x the step time (no stalls); 10 x 64 iterations, log every 5.',
         notes=['gpu.csv is SYNTHETIC but derived from the real timeline'],
         spec=S('lab', '2027-02-12 12:37:25', dataset='celeba', iters_per_epoch=64, max_epochs=10, log_every_n_steps=5,
                seed=82, gpu='a100-40', num_workers=0,
                loader_sleep={'per_batch_factor': [1.5, 2.5], 'stall_every': [1000000, 1000001], 'stall_seconds': [0, 0]},
                extra_overrides=['trainer.kwargs.limit_train_batches=64', 'data.num_workers=0'])),
    dict(id='gpu_stalls_log20', intent=['gpu_underutilization'],
         description='Healthy LRs, a loader that keeps up most of the time (0.3-0.6x) but stalls 2-4 s every 25-60 batches; 20 x 100 iterations, log every 20.',
         notes=['gpu.csv is SYNTHETIC but derived from the real timeline'],
         spec=S('m_garcia', '2027-02-12 16:19:58', max_epochs=20, log_every_n_steps=20, seed=83, gpu='v100',
                loader_sleep={'per_batch_factor': [0.3, 0.6], 'stall_every': [25, 60], 'stall_seconds': [2.0, 4.0]})),
]


# Held-out batch (tests/fixtures/torch-heldout): the same kinds, new seeds and new settings, written down
# before the detectors were revised against the first corpus; never used to choose a threshold.
HELDOUT = [
    dict(id='h_healthy_places', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs, places, 14 x 100 iterations, log every 10 (new seed).',
         spec=S('a.okafor', '2027-03-01 09:00:05', max_epochs=14, seed=101)),
    dict(id='h_healthy_celeba', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs, celeba, 14 x 100 iterations, log every 10 (new seed).',
         spec=S('a.okafor', '2027-03-01 10:12:40', dataset='celeba', max_epochs=14, seed=102, gpu='a100-40')),
    dict(id='h_healthy_multistep_half', intent=[], hard_negative=True,
         description='MultiStepLR x0.5 at epochs 4 and 8, celeba, 12 x 80 iterations, log every 5.',
         notes=['hard negative: scheduled LR steps'],
         spec=S('lab', '2027-03-01 13:30:00', run_title='steps', dataset='celeba', max_epochs=12, iters_per_epoch=80,
                log_every_n_steps=5, scheduler=MSTEP([4, 8], 0.5), seed=103,
                extra_overrides=['trainer.kwargs.limit_train_batches=80'])),
    dict(id='h_healthy_cosine_restarts', intent=[], hard_negative=True,
         description='CosineAnnealingWarmRestarts T_0=200 iterations (G 1.5e-3, D 1.5e-4), places, log every 10.',
         notes=['hard negative: the LR saw-tooth is scheduled'],
         spec=S('m_garcia', '2027-03-01 15:02:17', run_title='cosine', g_lr=1.5e-3, d_lr=1.5e-4,
                scheduler={'kind': 'CosineAnnealingWarmRestarts', 'interval': 'step', 'eta_min_factor': 0.05,
                           'kwargs': {'T_0': 200, 'T_mult': 1}}, seed=104, gpu='v100')),
    dict(id='h_healthy_warmup_log5', intent=[], hard_negative=True,
         description='Linear warm-up from 5% over 200 iterations, then default LRs; 12 x 80 iterations, log every 5.',
         notes=['hard negative: the LR ramp at the start is scheduled'],
         spec=S('t.nguyen', '2027-03-02 08:40:51', run_title='warmup', max_epochs=12, iters_per_epoch=80,
                log_every_n_steps=5, scheduler={'kind': 'LinearWarmup', 'interval': 'step',
                                                'kwargs': {'warmup_steps': 200, 'start_factor': 0.05}}, seed=105,
                extra_overrides=['trainer.kwargs.limit_train_batches=80'])),
    dict(id='h_healthy_long_flat', intent=[], hard_negative=True,
         description='Default LRs, 22 x 100 iterations, log every 10: converges and stays flat late.',
         spec=S('rohan_s_93', '2027-03-02 11:15:33', home='rohan', max_epochs=22, seed=106, gpu='a6000')),
    dict(id='h_healthy_short_log10', intent=[], hard_negative=True,
         description='Short healthy run: 10 epochs x 100 iterations, log every 10 (100 points, 10 validations), batch 16.',
         spec=S('k.ivanova', '2027-03-02 14:44:09', max_epochs=10, batch_size=16, seed=107,
                extra_overrides=['data.batch_size=16'])),

    dict(id='h_oscillation_celeba_log10', intent=['oscillation'],
         description='LRs 60x / 6000x too high (G 6e-2, D 6e-1), clipping on; celeba, 12 x 100 iterations, log every 10.',
         spec=S('lab', '2027-03-03 09:05:00', dataset='celeba', g_lr=6e-2, d_lr=6e-1, max_epochs=12, seed=121,
                extra_overrides=['optimizers.generator.lr=0.06', 'optimizers.discriminator.lr=0.6'])),
    dict(id='h_oscillation_places_log5', intent=['oscillation'],
         description='LRs 20x / 2000x too high (G 2e-2, D 2e-1), clipping on; places, 10 x 80 iterations, log every 5.',
         spec=S('t.nguyen', '2027-03-03 11:31:27', g_lr=2e-2, d_lr=2e-1, iters_per_epoch=80, max_epochs=10,
                log_every_n_steps=5, seed=122,
                extra_overrides=['optimizers.generator.lr=0.02', 'optimizers.discriminator.lr=0.2',
                                 'trainer.kwargs.limit_train_batches=80'])),
    dict(id='h_oscillation_b16_log20', intent=['oscillation'],
         description='LRs 50x / 5000x too high, batch 16, clipping on; 18 x 100 iterations, log every 20.',
         spec=S('a.okafor', '2027-03-03 14:10:45', g_lr=5e-2, d_lr=5e-1, batch_size=16, max_epochs=18,
                log_every_n_steps=20, seed=123, gpu='v100',
                extra_overrides=['optimizers.generator.lr=0.05', 'optimizers.discriminator.lr=0.5', 'data.batch_size=16'])),

    dict(id='h_plateau_exp_epoch', intent=['plateau'],
         description='ExponentialLR x0.25 per epoch from epoch 3: learns, then the LR vanishes and it stalls; 16 x 100.',
         spec=S('k.ivanova', '2027-03-04 08:20:13', run_title='decay', max_epochs=16, scheduler=EXP_EPOCH(0.25, 3),
                seed=131)),
    dict(id='h_plateau_drop_places', intent=['plateau'],
         description='MultiStepLR x0.0005 at epoch 4 (LR 5e-7 after it); places, 15 x 100, log every 10.',
         spec=S('lab', '2027-03-04 10:40:50', run_title='steps', scheduler=MSTEP([4], 0.0005), seed=132)),
    dict(id='h_plateau_step_decay_log10', intent=['plateau'],
         description='ExponentialLR gamma 0.99 per iteration (LR at 1% after ~460 iterations); celeba, 12 x 100, log every 10.',
         spec=S('m_garcia', '2027-03-04 13:55:02', run_title='decay', dataset='celeba', max_epochs=12,
                scheduler=EXP_STEP(0.99), seed=133, gpu='a100-40')),

    dict(id='h_overfitting_12_images', intent=['overfitting'],
         description='12 training images, batch 4 (3 iterations per epoch), 700 epochs, validation every 35 epochs.',
         spec=S('t.nguyen', '2027-03-05 09:00:00', n_train=12, batch_size=4, iters_per_epoch=3, max_epochs=700,
                check_val_every_n_epoch=35, seed=141,
                extra_overrides=['data.batch_size=4', 'trainer.kwargs.limit_train_batches=3',
                                 'trainer.kwargs.max_epochs=700', 'trainer.kwargs.check_val_every_n_epoch=35'])),
    dict(id='h_overfitting_20_images_log10', intent=['overfitting'],
         description='20 training images, batch 5 (4 iterations per epoch), 500 epochs, validation every 25 epochs.',
         spec=S('rohan_s_93', '2027-03-05 12:21:19', home='rohan', n_train=20, batch_size=5, iters_per_epoch=4,
                max_epochs=500, check_val_every_n_epoch=25, seed=142, gpu='a6000',
                extra_overrides=['data.batch_size=5', 'trainer.kwargs.limit_train_batches=4',
                                 'trainer.kwargs.max_epochs=500', 'trainer.kwargs.check_val_every_n_epoch=25'])),
    dict(id='h_overfitting_8_images_b8', intent=['overfitting'],
         description='8 training images in one batch of 8, 1200 epochs, validation every 60 epochs, log every 5.',
         spec=S('lab', '2027-03-05 15:48:36', n_train=8, batch_size=8, iters_per_epoch=1, max_epochs=1200,
                check_val_every_n_epoch=60, log_every_n_steps=5, seed=143,
                extra_overrides=['data.batch_size=8', 'trainer.kwargs.limit_train_batches=1',
                                 'trainer.kwargs.max_epochs=1200', 'trainer.kwargs.check_val_every_n_epoch=60'])),

    dict(id='h_divergence_ramp_102', intent=['divergence'],
         description='Per-iteration ExponentialLR(gamma=1.02) on both optimizers, clipping off; places, log every 10.',
         spec=S('a.okafor', '2027-03-06 08:30:30', run_title='lrramp', gradient_clip_val=0, scheduler=EXP_STEP(1.02),
                seed=151, extra_overrides=['trainer.kwargs.gradient_clip_val=0'])),
    dict(id='h_divergence_epoch_growth', intent=['divergence'],
         description='Per-epoch ExponentialLR(gamma=2.5) from epoch 2, clipping on; places, 12 x 100, log every 10.',
         spec=S('k.ivanova', '2027-03-06 10:02:14', run_title='lrramp', max_epochs=12,
                scheduler=EXP_EPOCH(2.5, 2), seed=152)),
    dict(id='h_divergence_ramp_celeba_log5', intent=['divergence'],
         description='Per-iteration ExponentialLR(gamma=1.015), clipping off; celeba, 10 x 80, log every 5.',
         spec=S('lab', '2027-03-06 13:40:00', run_title='lrramp', dataset='celeba', gradient_clip_val=0,
                iters_per_epoch=80, max_epochs=10, log_every_n_steps=5, scheduler=EXP_STEP(1.015), seed=153,
                gpu='a100-40',
                extra_overrides=['trainer.kwargs.gradient_clip_val=0', 'trainer.kwargs.limit_train_batches=80'])),

    dict(id='h_gan_imbalance_places', intent=['gan_imbalance'],
         description='G LR 2e-6, D LR 2e-3: D wins; places, 14 x 100, log every 10.',
         spec=S('m_garcia', '2027-03-07 09:15:45', g_lr=2e-6, d_lr=2e-3, max_epochs=14, seed=161, gpu='v100',
                extra_overrides=['optimizers.generator.lr=2e-06', 'optimizers.discriminator.lr=0.002'])),
    dict(id='h_gan_imbalance_celeba_log20', intent=['gan_imbalance'],
         description='G LR 1e-6, D LR 5e-3, celeba, 20 x 100, log every 20.',
         spec=S('t.nguyen', '2027-03-07 12:00:00', dataset='celeba', g_lr=1e-6, d_lr=5e-3, max_epochs=20,
                log_every_n_steps=20, seed=162,
                extra_overrides=['optimizers.generator.lr=1e-06', 'optimizers.discriminator.lr=0.005'])),
    dict(id='h_gan_imbalance_log5', intent=['gan_imbalance'],
         description='G LR 5e-7, D LR 1e-3, places, 12 x 80, log every 5.',
         spec=S('lab', '2027-03-07 15:30:21', g_lr=5e-7, d_lr=1e-3, iters_per_epoch=80, max_epochs=12,
                log_every_n_steps=5, seed=163,
                extra_overrides=['optimizers.generator.lr=5e-07', 'optimizers.discriminator.lr=0.001',
                                 'trainer.kwargs.limit_train_batches=80'])),

    dict(id='h_slow_places_log5', intent=['slow_convergence'],
         description='LRs 100x too low (G 1e-5, D 1e-6), places, 12 x 80, log every 5.',
         spec=S('k.ivanova', '2027-03-08 08:45:00', g_lr=1e-5, d_lr=1e-6, iters_per_epoch=80, max_epochs=12,
                log_every_n_steps=5, seed=171,
                extra_overrides=['optimizers.generator.lr=1e-05', 'optimizers.discriminator.lr=1e-06',
                                 'trainer.kwargs.limit_train_batches=80'])),
    dict(id='h_slow_celeba', intent=['slow_convergence'],
         description='LRs 70x too low (G 1.5e-5, D 1.5e-6), celeba, 15 x 100, log every 10.',
         spec=S('a.okafor', '2027-03-08 11:20:33', dataset='celeba', g_lr=1.5e-5, d_lr=1.5e-6, seed=172,
                gpu='a100-40',
                extra_overrides=['optimizers.generator.lr=1.5e-05', 'optimizers.discriminator.lr=1.5e-06'])),
    dict(id='h_slow_tiny_lr_log20', intent=['slow_convergence'],
         description='LRs 200x too low (G 5e-6, D 5e-7), places, 20 x 100, log every 20.',
         spec=S('rohan_s_93', '2027-03-08 14:05:10', home='rohan', g_lr=5e-6, d_lr=5e-7, max_epochs=20,
                log_every_n_steps=20, seed=173, gpu='a6000',
                extra_overrides=['optimizers.generator.lr=5e-06', 'optimizers.discriminator.lr=5e-07'])),

    dict(id='h_gpu_starved', intent=['gpu_underutilization'],
         description='Healthy LRs, loader sleeps 1.0-2.0x the step time plus 1-2 s stalls every 20-50 batches; 10 x 100, log every 10.',
         notes=['gpu.csv is SYNTHETIC but derived from the real timeline'],
         spec=S('lab', '2027-03-09 09:00:00', max_epochs=10, seed=181,
                loader_sleep={'per_batch_factor': [1.0, 2.0], 'stall_every': [20, 50], 'stall_seconds': [1.0, 2.0]})),
    dict(id='h_gpu_starved_celeba_log5', intent=['gpu_underutilization'],
         description='Healthy LRs, celeba, loader sleeps 1.2-2.0x the step time; 10 x 64, log every 5.',
         notes=['gpu.csv is SYNTHETIC but derived from the real timeline'],
         spec=S('t.nguyen', '2027-03-09 11:45:12', dataset='celeba', iters_per_epoch=64, max_epochs=10,
                log_every_n_steps=5, seed=182, gpu='v100',
                loader_sleep={'per_batch_factor': [1.2, 2.0], 'stall_every': [1000000, 1000001], 'stall_seconds': [0, 0]},
                extra_overrides=['trainer.kwargs.limit_train_batches=64'])),
]

# Third batch (tests/fixtures/torch-heldout-b): written after the second revision of the detectors was
# measured on torch-heldout (and torch-heldout became a development set); never used to choose a threshold.
HELDOUT_B = [
    dict(id='b_healthy_places', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs, places, 12 x 100 iterations, log every 10.',
         spec=S('j.silva', '2027-04-01 09:10:00', max_epochs=12, seed=201)),
    dict(id='b_healthy_celeba', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs, celeba, 12 x 100 iterations, log every 10.',
         spec=S('j.silva', '2027-04-01 11:00:00', dataset='celeba', max_epochs=12, seed=202, gpu='a100-40')),
    dict(id='b_healthy_multistep_log20', intent=[], hard_negative=True,
         description='MultiStepLR x0.3 at epochs 6 and 12 (G 1.2e-3, D 1.2e-4), places, 16 x 100, log every 20.',
         notes=['hard negative: scheduled LR steps'],
         spec=S('lab', '2027-04-01 14:20:00', run_title='steps', g_lr=1.2e-3, d_lr=1.2e-4, max_epochs=16,
                log_every_n_steps=20, scheduler=MSTEP([6, 12], 0.3), seed=203,
                extra_overrides=['optimizers.generator.lr=0.0012', 'optimizers.discriminator.lr=0.00012'])),
    dict(id='b_healthy_cosine_celeba', intent=[], hard_negative=True,
         description='CosineAnnealingWarmRestarts T_0=250 (G 1e-3, D 1e-4), celeba, log every 5, 10 x 80.',
         notes=['hard negative: the LR saw-tooth is scheduled'],
         spec=S('t.nguyen', '2027-04-02 09:00:00', run_title='cosine', dataset='celeba', iters_per_epoch=80, max_epochs=10,
                log_every_n_steps=5, scheduler={'kind': 'CosineAnnealingWarmRestarts', 'interval': 'step',
                                                'eta_min_factor': 0.02, 'kwargs': {'T_0': 250, 'T_mult': 1}}, seed=204,
                extra_overrides=['trainer.kwargs.limit_train_batches=80'])),
    dict(id='b_healthy_small_batch', intent=[], hard_negative=True,
         description='Batch 4 (noisy losses), default LRs, 20 x 100, log every 10.',
         spec=S('rohan_s_93', '2027-04-02 11:30:00', home='rohan', batch_size=4, max_epochs=20, seed=205, gpu='a6000',
                extra_overrides=['data.batch_size=4'])),
    dict(id='b_healthy_warmup_celeba', intent=[], hard_negative=True,
         description='Linear warm-up from 2% over 400 iterations, celeba, 14 x 100, log every 10.',
         notes=['hard negative: scheduled warm-up'],
         spec=S('m_garcia', '2027-04-02 14:00:00', run_title='warmup', dataset='celeba', max_epochs=14,
                scheduler={'kind': 'LinearWarmup', 'interval': 'step', 'kwargs': {'warmup_steps': 400, 'start_factor': 0.02}},
                seed=206, gpu='v100')),

    dict(id='b_oscillation_places', intent=['oscillation'],
         description='LRs 35x / 3500x too high (G 3.5e-2, D 3.5e-1), clipping on; places, 12 x 100, log every 10.',
         spec=S('j.silva', '2027-04-03 09:00:00', g_lr=3.5e-2, d_lr=3.5e-1, max_epochs=12, seed=221,
                extra_overrides=['optimizers.generator.lr=0.035', 'optimizers.discriminator.lr=0.35'])),
    dict(id='b_oscillation_celeba_log5', intent=['oscillation'],
         description='LRs 45x / 4500x too high, clipping on; celeba, 10 x 80, log every 5.',
         spec=S('lab', '2027-04-03 11:00:00', dataset='celeba', g_lr=4.5e-2, d_lr=4.5e-1, iters_per_epoch=80,
                max_epochs=10, log_every_n_steps=5, seed=222,
                extra_overrides=['optimizers.generator.lr=0.045', 'optimizers.discriminator.lr=0.45',
                                 'trainer.kwargs.limit_train_batches=80'])),

    dict(id='b_plateau_exp_epoch_celeba', intent=['plateau'],
         description='ExponentialLR x0.2 per epoch from epoch 2; celeba, 14 x 100, log every 10.',
         spec=S('t.nguyen', '2027-04-04 09:00:00', run_title='decay', dataset='celeba', max_epochs=14,
                scheduler=EXP_EPOCH(0.2, 2), seed=231)),
    dict(id='b_plateau_step_decay_log5', intent=['plateau'],
         description='ExponentialLR gamma 0.991 per iteration; places, 10 x 80, log every 5.',
         spec=S('m_garcia', '2027-04-04 11:00:00', run_title='decay', iters_per_epoch=80, max_epochs=10,
                log_every_n_steps=5, scheduler=EXP_STEP(0.991), seed=232,
                extra_overrides=['trainer.kwargs.limit_train_batches=80'])),

    dict(id='b_overfitting_10_images', intent=['overfitting'],
         description='10 training images, batch 5 (2 iterations per epoch), 900 epochs, validation every 45 epochs.',
         spec=S('j.silva', '2027-04-05 09:00:00', n_train=10, batch_size=5, iters_per_epoch=2, max_epochs=900,
                check_val_every_n_epoch=45, seed=241,
                extra_overrides=['data.batch_size=5', 'trainer.kwargs.limit_train_batches=2',
                                 'trainer.kwargs.max_epochs=900', 'trainer.kwargs.check_val_every_n_epoch=45'])),
    dict(id='b_overfitting_16_images_log5', intent=['overfitting'],
         description='16 training images, batch 4 (4 iterations per epoch), 450 epochs, validation every 30 epochs, log every 5.',
         spec=S('lab', '2027-04-05 12:00:00', n_train=16, batch_size=4, iters_per_epoch=4, max_epochs=450,
                check_val_every_n_epoch=30, log_every_n_steps=5, seed=242,
                extra_overrides=['data.batch_size=4', 'trainer.kwargs.limit_train_batches=4',
                                 'trainer.kwargs.max_epochs=450', 'trainer.kwargs.check_val_every_n_epoch=30'])),

    dict(id='b_divergence_ramp_places', intent=['divergence'],
         description='Per-iteration ExponentialLR(gamma=1.025), clipping off; places, 12 x 100, log every 10.',
         spec=S('rohan_s_93', '2027-04-06 09:00:00', home='rohan', run_title='lrramp', gradient_clip_val=0,
                max_epochs=12, scheduler=EXP_STEP(1.025), seed=251, gpu='a6000',
                extra_overrides=['trainer.kwargs.gradient_clip_val=0'])),
    dict(id='b_divergence_epoch_growth_log20', intent=['divergence'],
         description='Per-epoch ExponentialLR(gamma=2.2) from epoch 3, clipping off; places, 16 x 100, log every 20.',
         spec=S('t.nguyen', '2027-04-06 11:00:00', run_title='lrramp', gradient_clip_val=0, max_epochs=16,
                log_every_n_steps=20, scheduler=EXP_EPOCH(2.2, 3), seed=252,
                extra_overrides=['trainer.kwargs.gradient_clip_val=0'])),

    dict(id='b_gan_imbalance_places_log5', intent=['gan_imbalance'],
         description='G LR 1e-6, D LR 2e-3; places, 12 x 80, log every 5.',
         spec=S('j.silva', '2027-04-07 09:00:00', g_lr=1e-6, d_lr=2e-3, iters_per_epoch=80, max_epochs=12,
                log_every_n_steps=5, seed=261,
                extra_overrides=['optimizers.generator.lr=1e-06', 'optimizers.discriminator.lr=0.002',
                                 'trainer.kwargs.limit_train_batches=80'])),
    dict(id='b_gan_imbalance_celeba', intent=['gan_imbalance'],
         description='G LR 3e-6, D LR 3e-3; celeba, 14 x 100, log every 10.',
         spec=S('lab', '2027-04-07 11:00:00', dataset='celeba', g_lr=3e-6, d_lr=3e-3, max_epochs=14, seed=262,
                gpu='a100-40',
                extra_overrides=['optimizers.generator.lr=3e-06', 'optimizers.discriminator.lr=0.003'])),

    dict(id='b_slow_places', intent=['slow_convergence'],
         description='LRs 80x too low (G 1.25e-5, D 1.25e-6), places, 14 x 100, log every 10.',
         spec=S('m_garcia', '2027-04-08 09:00:00', g_lr=1.25e-5, d_lr=1.25e-6, max_epochs=14, seed=271, gpu='v100',
                extra_overrides=['optimizers.generator.lr=1.25e-05', 'optimizers.discriminator.lr=1.25e-06'])),
    dict(id='b_slow_celeba_log5', intent=['slow_convergence'],
         description='LRs 100x too low, celeba, 10 x 80, log every 5.',
         spec=S('t.nguyen', '2027-04-08 11:00:00', dataset='celeba', g_lr=1e-5, d_lr=1e-6, iters_per_epoch=80,
                max_epochs=10, log_every_n_steps=5, seed=272,
                extra_overrides=['optimizers.generator.lr=1e-05', 'optimizers.discriminator.lr=1e-06',
                                 'trainer.kwargs.limit_train_batches=80'])),

    dict(id='b_gpu_starved', intent=['gpu_underutilization'],
         description='Healthy LRs, loader sleeps 0.9-1.8x the step time plus 1-3 s stalls every 30-70 batches; 12 x 100, log every 10.',
         notes=['gpu.csv is SYNTHETIC but derived from the real timeline'],
         spec=S('rohan_s_93', '2027-04-09 09:00:00', home='rohan', max_epochs=12, seed=281, gpu='a6000',
                loader_sleep={'per_batch_factor': [0.9, 1.8], 'stall_every': [30, 70], 'stall_seconds': [1.0, 3.0]})),
    dict(id='b_gpu_stalls_celeba', intent=['gpu_underutilization'],
         description='Healthy LRs, celeba, a loader that keeps up (0.2-0.5x) but stalls 2-4 s every 20-40 batches; 10 x 100, log every 10.',
         notes=['gpu.csv is SYNTHETIC but derived from the real timeline'],
         spec=S('j.silva', '2027-04-09 11:00:00', dataset='celeba', max_epochs=10, seed=282,
                loader_sleep={'per_batch_factor': [0.2, 0.5], 'stall_every': [20, 40], 'stall_seconds': [2.0, 4.0]})),
]


# Fourth batch (tests/fixtures/torch-heldout-c): written after revision 4 (plateau: stuck vs slow by the LR),
# weighted towards what it changed (plateaus, slow runs, healthy decays); never used to choose a threshold.
HELDOUT_C = [
    dict(id='c_healthy_places', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs, places, 12 x 100, log every 10.',
         spec=S('p.mueller', '2027-05-01 09:00:00', max_epochs=12, seed=301)),
    dict(id='c_healthy_celeba', intent=[], reference=True, hard_negative=True,
         description='LaMa default LRs, celeba, 12 x 100, log every 10.',
         spec=S('p.mueller', '2027-05-01 11:00:00', dataset='celeba', max_epochs=12, seed=302, gpu='a100-40')),
    dict(id='c_healthy_gentle_decay', intent=[], hard_negative=True,
         description='ExponentialLR x0.85 per epoch (a gentle, healthy decay), places, 14 x 100, log every 10.',
         notes=['hard negative: a slow scheduled decay that keeps learning'],
         spec=S('lab', '2027-05-01 14:00:00', run_title='decay', max_epochs=14, scheduler=EXP_EPOCH(0.85, 1), seed=303)),
    dict(id='c_healthy_multistep_celeba', intent=[], hard_negative=True,
         description='MultiStepLR x0.1 at epoch 8 (G 1e-3), celeba, 12 x 100, log every 10.',
         notes=['hard negative: one scheduled step late in the run'],
         spec=S('t.nguyen', '2027-05-02 09:00:00', run_title='steps', dataset='celeba', max_epochs=12,
                scheduler=MSTEP([8], 0.1), seed=304)),
    dict(id='c_plateau_exp_epoch', intent=['plateau'],
         description='ExponentialLR x0.3 per epoch from epoch 2, places, 14 x 100, log every 10.',
         spec=S('m_garcia', '2027-05-02 11:00:00', run_title='decay', max_epochs=14, scheduler=EXP_EPOCH(0.3, 2),
                seed=311)),
    dict(id='c_plateau_drop_celeba_log5', intent=['plateau'],
         description='MultiStepLR x0.001 at epoch 3, celeba, 10 x 80, log every 5.',
         spec=S('lab', '2027-05-02 14:00:00', run_title='steps', dataset='celeba', iters_per_epoch=80, max_epochs=10,
                log_every_n_steps=5, scheduler=MSTEP([3], 0.001), seed=312,
                extra_overrides=['trainer.kwargs.limit_train_batches=80'])),
    dict(id='c_plateau_step_decay_log20', intent=['plateau'],
         description='ExponentialLR gamma 0.993 per iteration, places, 16 x 100, log every 20.',
         spec=S('j.silva', '2027-05-03 09:00:00', run_title='decay', max_epochs=16, log_every_n_steps=20,
                scheduler=EXP_STEP(0.993), seed=313)),
    dict(id='c_slow_places', intent=['slow_convergence'],
         description='LRs 100x too low, places, 12 x 100, log every 10.',
         spec=S('p.mueller', '2027-05-03 11:00:00', g_lr=1e-5, d_lr=1e-6, max_epochs=12, seed=321,
                extra_overrides=['optimizers.generator.lr=1e-05', 'optimizers.discriminator.lr=1e-06'])),
    dict(id='c_slow_celeba_log20', intent=['slow_convergence'],
         description='LRs 60x too low, celeba, 18 x 100, log every 20.',
         spec=S('rohan_s_93', '2027-05-03 14:00:00', home='rohan', dataset='celeba', g_lr=1.7e-5, d_lr=1.7e-6,
                max_epochs=18, log_every_n_steps=20, seed=322, gpu='a6000',
                extra_overrides=['optimizers.generator.lr=1.7e-05', 'optimizers.discriminator.lr=1.7e-06'])),
    dict(id='c_slow_places_log5', intent=['slow_convergence'],
         description='LRs 150x too low, places, 10 x 80, log every 5.',
         spec=S('t.nguyen', '2027-05-04 09:00:00', g_lr=6.7e-6, d_lr=6.7e-7, iters_per_epoch=80, max_epochs=10,
                log_every_n_steps=5, seed=323,
                extra_overrides=['optimizers.generator.lr=6.7e-06', 'optimizers.discriminator.lr=6.7e-07',
                                 'trainer.kwargs.limit_train_batches=80'])),
    dict(id='c_oscillation_places', intent=['oscillation'],
         description='LRs 40x / 4000x too high, clipping on; places, 12 x 100, log every 10.',
         spec=S('lab', '2027-05-04 11:00:00', g_lr=4e-2, d_lr=4e-1, max_epochs=12, seed=331,
                extra_overrides=['optimizers.generator.lr=0.04', 'optimizers.discriminator.lr=0.4'])),
    dict(id='c_overfitting_12_images', intent=['overfitting'],
         description='12 training images, batch 6 (2 iterations per epoch), 800 epochs, validation every 40 epochs.',
         spec=S('j.silva', '2027-05-04 14:00:00', n_train=12, batch_size=6, iters_per_epoch=2, max_epochs=800,
                check_val_every_n_epoch=40, seed=341,
                extra_overrides=['data.batch_size=6', 'trainer.kwargs.limit_train_batches=2',
                                 'trainer.kwargs.max_epochs=800', 'trainer.kwargs.check_val_every_n_epoch=40'])),
    dict(id='c_divergence_ramp', intent=['divergence'],
         description='Per-iteration ExponentialLR(gamma=1.022), clipping off; celeba, 12 x 100, log every 10.',
         spec=S('m_garcia', '2027-05-05 09:00:00', run_title='lrramp', dataset='celeba', gradient_clip_val=0,
                max_epochs=12, scheduler=EXP_STEP(1.022), seed=351,
                extra_overrides=['trainer.kwargs.gradient_clip_val=0'])),
    dict(id='c_gan_imbalance', intent=['gan_imbalance'],
         description='G LR 2e-6, D LR 4e-3; places, 12 x 100, log every 10.',
         spec=S('p.mueller', '2027-05-05 11:00:00', g_lr=2e-6, d_lr=4e-3, max_epochs=12, seed=361,
                extra_overrides=['optimizers.generator.lr=2e-06', 'optimizers.discriminator.lr=0.004'])),
    dict(id='c_gpu_starved', intent=['gpu_underutilization'],
         description='Healthy LRs, loader sleeps 1.0-2.2x the step time; 10 x 100, log every 10.',
         notes=['gpu.csv is SYNTHETIC but derived from the real timeline'],
         spec=S('t.nguyen', '2027-05-05 14:00:00', max_epochs=10, seed=381,
                loader_sleep={'per_batch_factor': [1.0, 2.2], 'stall_every': [1000000, 1000001], 'stall_seconds': [0, 0]})),
]


SETS = {'corpus': (SCENARIOS, OUT), 'heldout': (HELDOUT, os.path.join(REPO, 'tests', 'fixtures', 'torch-heldout')),
        'heldout-b': (HELDOUT_B, os.path.join(REPO, 'tests', 'fixtures', 'torch-heldout-b')),
        'heldout-c': (HELDOUT_C, os.path.join(REPO, 'tests', 'fixtures', 'torch-heldout-c'))}


def run_name(spec):
    stamp = dt.datetime.strptime(spec['start'], '%Y-%m-%d %H:%M:%S').strftime('%Y-%m-%d_%H-%M-%S')
    return '%s_%s_train_%s_%s' % (spec['user'], stamp, spec['config_name'], spec.get('run_title', ''))


def read_generation_seconds(corpus):
    p = os.path.join(corpus, 'labels.json')
    if os.path.exists(p):
        try:
            with open(p) as f:
                return json.load(f).get('generation_wall_seconds')
        except ValueError:
            return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--only', nargs='*', help='scenario ids to (re)generate')
    ap.add_argument('--list', action='store_true')
    ap.add_argument('--set', choices=sorted(SETS), default='corpus',
                    help='corpus = tests/fixtures/torch-corpus (development), heldout = tests/fixtures/torch-heldout')
    ap.add_argument('--out')
    ap.add_argument('--no-label', action='store_true')
    a = ap.parse_args()
    scenarios, default_out = SETS[a.set]
    a.out = a.out or default_out
    ids = [s['id'] for s in scenarios]
    assert len(set(ids)) == len(ids)
    assert len({run_name(s['spec']) for s in scenarios}) == len(scenarios)
    if a.list:
        for s in scenarios:
            print('%-30s %-22s %s' % (s['id'], ','.join(s['intent']) or 'healthy', run_name(s['spec'])))
        return
    todo = [s for s in scenarios if not a.only or s['id'] in a.only]
    t_all = time.time()
    total = 0.0
    for s in todo:
        name = run_name(s['spec'])
        for sub in ('experiments', 'tb_logs'):
            p = os.path.join(a.out, sub, name)
            if os.path.isdir(p):
                shutil.rmtree(p)
        t0 = time.time()
        r = subprocess.run([PY, os.path.join(HERE, 'train_tiny_lama.py'), '--spec', json.dumps(s['spec']),
                            '--out', a.out], capture_output=True, text=True)
        el = time.time() - t0
        total += el
        if r.returncode != 0:
            sys.stderr.write(r.stderr)
            raise SystemExit('run %s failed' % s['id'])
        print('%-30s %6.1f s  %s' % (s['id'], el, r.stdout.strip().splitlines()[-1][:120]), flush=True)
    print('generated %d runs in %.1f s' % (len(todo), time.time() - t_all))
    if not a.no_label:
        args = [PY, os.path.join(HERE, 'label.py'), '--set', a.set, '--corpus', a.out, '--summary']
        if not a.only:
            args += ['--generation-seconds', '%.1f' % (time.time() - t_all)]
        subprocess.run(args, check=True)


if __name__ == '__main__':
    main()
