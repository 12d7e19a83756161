/*
 * SPDX-License-Identifier: BSD-2-Clause
 *
 * teemed_calls.pml: a Promela model of the mediator core's standard-call
 * life cycle and of domain destruction, as implemented in src/call.c,
 * src/rpc.c, src/params.c, src/pagelist.c, src/core.c and src/domain.c.
 * Checked by mk/verify.mk (`make suite-spin`).
 *
 * What each model element stands for in src/
 * -------------------------------------------
 *  NS slots, used[s]      d->calls[] / d->free_mask (bit clear = used[s]=1)
 *  st[s]                  tm_call.state: S_FREE, S_BUSY, S_WAIT (WAIT_GUEST)
 *  settle                 struct tm_budget.slot_exit: what trap_exit does
 *                         with the trap's slot (tm_slot_settle): X_PUBLISH
 *                         (WAIT_GUEST) or X_FREE, under the lock, together
 *                         with active_traps--
 *  ph[s]                  tm_call.phase (TM_PH_PREPARE, TM_PH_RPC, TM_PH_DRAIN)
 *                         plus two transient phases inside one trap:
 *                         PH_ENTER (run_prepare -> tm_call_enter) and
 *                         PH_COMPLETE (complete() -> tm_params_complete)
 *  cmd[s]                 c->cmd: INVOKE with one temporary memref of TP
 *                         pages (TMEM|NONCONTIG), REGISTER_SHM or
 *                         UNREGISTER_SHM of the one registered buffer
 *  tpin[s]                pages of the call's temporary buffer pinned
 *                         (tm_buf.done - tm_buf.released of c->bufs[])
 *  rst, rslot, rpin       the registered buffer: R_NONE (not in d->bufs),
 *                         R_PENDING (check_register: in the table, being
 *                         translated by call rslot), R_ACTIVE (TM_BUF_ACTIVE),
 *                         R_UNREG (check_unregister: TM_BUF_RELEASING, call
 *                         rslot in OP-TEE), R_DRAIN (on c->drain of call
 *                         rslot: tm_params_complete pushed it); rpin = its
 *                         pinned pages
 *  dying, traps           d->dying, d->active_traps (trap_enter/trap_exit)
 *  vm_destroyed           d->vm_destroyed (VM_DESTROYED issued)
 *  done                   teemed_domain_destroy returned TEEMED_OK
 *  otid[s], oref_t[s],    OP-TEE's side: a thread of the slot's call exists
 *  oref_r                 (suspended in an RPC or running), OP-TEE holds the
 *                         call's temporary buffer, OP-TEE knows the
 *                         registered buffer (until UNREGISTER or VM_DESTROYED)
 *  proctype vcpu          a vCPU issuing at most K SMCs (handle_trap):
 *                         trap_enter claims the slot under the lock with
 *                         active_traps++ (CALL_WITH_ARG: lowest free slot,
 *                         else ETHREAD_LIMIT; RETURN_FROM_RPC with any a3: the
 *                         slot if WAIT_GUEST, else ERESUME; a hostile guest
 *                         may name a slot another vCPU runs), then
 *                         tm_std_call / tm_resume_call run the call. A vCPU
 *                         that gets ENOTAVAIL stops (the host stops it); a
 *                         vCPU that gets no more turns leaves its calls
 *                         suspended.
 *  proctype destroyer     the host calling teemed_domain_destroy until OK,
 *                         from the start (so destroy overlaps any trap)
 *  proctype fast_vcpu     (FAST_LOCKFREE) one forwarded fast call on the
 *                         lock-free path of teemed_handle_smc (core.c,
 *                         tm_fast_stateless in fastcall.c)
 *
 * Abstractions
 * ------------
 *  - A critical section under the domain lock (tm_dom_lock .. unlock) is one
 *    atomic step. That is sound for the variables it touches (st, used, rst,
 *    dying, traps), which src/ only accesses under that lock. Everything
 *    src/ does WITHOUT the lock is a separate step here: pins and unpins,
 *    the trip into OP-TEE, slot fields of a BUSY call (ph, cmd, tpin), and
 *    destroy's VM_DESTROYED, collect() and tm_drain().
 *  - OP-TEE's answer to one SMC is one step (the model of OP-TEE holds one
 *    lock around each SMC); the vCPU's presence inside OP-TEE is the
 *    interval in_optee[s] > 0 around it.
 *  - The translation and release budgets are nondeterministic: after any
 *    page the mediator may return FOREIGN_INTR (tm_call_yield) and carry on
 *    at the guest's RETURN_FROM_RPC. destroy releases at most BUDGET pages
 *    per invocation (tm_budget_init + tm_drain) and returns AGAIN.
 *  - Any pin may fail (translation refused: refuse() -> complete locally,
 *    the pages pinned so far are released by the call's drain).
 *  - The argument page (tm_arg_copy_in / tm_arg_copy_back, src/arg.c) is
 *    pinned and unpinned inside one step of the trap: not modelled; nor is
 *    a REGD_ARG call's hold on its registered buffer (buf->users), nor RPC
 *    argument buffers (released by RPC FREE or collect()).
 *  - One registered buffer and TP = 2 pages per temporary buffer; NV
 *    vCPUs with K SMCs each (2x3 and 3x1 for safety, 2x3 for liveness).
 *
 * Properties (assertions unless said)
 * -----------------------------------
 *  P1 a call is worked on (resumed) by at most one vCPU at a time: owner[s]
 *     is taken only when 0, and every step on the slot asserts ownership
 *  P2 OP-TEE is never entered for a slot by two vCPUs: in_optee[s] <= 1, and
 *     RETURN_FROM_RPC only for a suspended OP-TEE thread
 *  P3 no page is unpinned while OP-TEE holds it or a vCPU is in OP-TEE for
 *     it, and no pin is released twice (counters never go below zero)
 *  P4 OP-TEE only reaches pinned pages (a buffer it uses is fully pinned)
 *  P5 no pin outlives its owner: a call's pins are gone when its slot is
 *     freed; at the end of destroy every pin is gone
 *  P6 a trap publishes its slot as the last thing it does: no vCPU owns a
 *     slot when it leaves teemed_handle_smc
 *  P7 destroy terminates: end-state check (init asserts done when every
 *     process has finished) and LTL `<> done` under weak fairness
 *  P8 (FAST_LOCKFREE) a fast call that started before destroy never reaches
 *     OP-TEE after VM_DESTROYED nor touches the domain after it is freed:
 *     destroy waits for it (porting.md: "TEEMED_AGAIN means a trap of that
 *     domain is still running on another CPU")
 *
 * Bug variants (each must make spin report a violation)
 * -----------------------------------------------------
 *  BUG_NO_WAIT_CHECK   tm_resume_call accepts any slot in use, without the
 *                      WAIT_GUEST check (P1/P2 fail)
 *  BUG_PUBLISH_EARLY   the exit sets WAIT_GUEST at once, before the trap is
 *                      done with the slot, instead of at trap_exit (P1 fails)
 *  BUG_EARLY_UNPIN     destroy releases pins before VM_DESTROYED (P3 fails)
 *  BUG_NO_TRAP_WAIT    destroy does not wait for active traps (P2-P4 fail)
 *  BUG_WAIT_CALLS      destroy waits for every call to finish instead of
 *                      every trap: a guest that stops with a call suspended
 *                      keeps it AGAIN forever (P7 fails)
 *  FAST_LOCKFREE       the lock-free fast path of teemed_handle_smc. With
 *                      FAST_COUNTED it is counted in active_traps
 *                      (tm_trap_get/tm_trap_put, as in src/) and P8 holds;
 *                      without, it is the bug this model found (destroy did
 *                      not wait for it) and P8 fails
 */

#ifndef NV
#define NV 2          /* vCPUs */
#endif
#ifndef K
#define K 3           /* SMCs per vCPU */
#endif
#define NS 2          /* call slots (OP-TEE threads per guest) */
#define TP 2          /* pages of a call's temporary buffer */
#define RP 1          /* pages of the registered buffer */
#define BUDGET 1      /* pages destroy releases per invocation */
#define NONE 255

/* slot states */
#define S_FREE 0
#define S_BUSY 1
#define S_WAIT 2
/* phases */
#define PH_PREPARE  0
#define PH_ENTER    1
#define PH_RPC      2
#define PH_COMPLETE 3
#define PH_DRAIN    4
/* commands */
#define C_INVOKE 0
#define C_REG    1
#define C_UNREG  2
/* registered buffer */
#define R_NONE    0
#define R_PENDING 1
#define R_ACTIVE  2
#define R_UNREG   3
#define R_DRAIN   4
/* what trap_exit does with the trap's slot (enum tm_slot_exit) */
#define X_KEEP    0
#define X_PUBLISH 1
#define X_FREE    2

byte st[NS];
bit used[NS];
byte ph[NS];
byte cmd[NS];
bit fail[NS];
byte tpin[NS];
byte owner[NS];      /* monitor: vCPU (1..NV) working on the slot, 0 = none */
byte in_optee[NS];   /* monitor: vCPUs inside OP-TEE for the slot */
bit otid[NS];
bit oref_t[NS];

byte rst = R_NONE;
byte rslot = NONE;
byte rpin;
bit oref_r;

bit dying;
byte traps;
bit vm_destroyed;
bit done;
byte in_fast;        /* monitor: lock-free fast calls in flight */

#define PINS (tpin[0] + tpin[1] + rpin)

/* Unpin one page of slot s's temporary buffer: tm_buf_release. */
inline unpin_temp(s)
{
	assert(tpin[s] > 0);           /* P3: never released twice */
	assert(!oref_t[s]);            /* P3: OP-TEE no longer holds it */
	assert(in_optee[s] == 0);      /* P3: nobody is in OP-TEE for it */
	tpin[s]--
}

inline unpin_reg()
{
	assert(rpin > 0);
	assert(!oref_r);
	rpin--
}

/*
 * The trap leaves the slot to the guest (TM_EXIT_PUBLISH): decided during
 * the trap (tm_call_deliver, tm_call_yield), applied by trap_exit under the
 * lock (tm_slot_settle). BUG_PUBLISH_EARLY applies it at once instead, while
 * the trap still works on the call.
 */
inline publish(s)
{
#ifdef BUG_PUBLISH_EARLY
	atomic { st[s] = S_WAIT };
	assert(owner[s] == me);   /* the trap still touches the call */
	ph[s] = ph[s];
#endif
	settle = X_PUBLISH
}

proctype vcpu(byte me)
{
	byte k, s, i, settle;
	bit pub, start;

	do
	:: k < K ->
		/*
		 * trap_enter (core.c): refused once the domain is dying; claims
		 * the trap's slot under the same lock: CALL_WITH_ARG the lowest
		 * free slot (none: ETHREAD_LIMIT), RETURN_FROM_RPC the slot named
		 * in a3 if it is WAIT_GUEST (else ERESUME).
		 */
		atomic {
			k++;
			if
			:: done || dying -> break   /* ENOTAVAIL: the host stops this vCPU */
			:: else -> traps++
			fi;
			s = NONE;
			if
			:: start = 1;
				if
				:: !used[0] -> s = 0
				:: used[0] && !used[1] -> s = 1
				:: else -> skip
				fi;
				if
				:: s != NONE ->
					used[s] = 1;
					assert(st[s] == S_FREE);
					assert(owner[s] == 0);   /* P1 */
					owner[s] = me
				:: else -> skip
				fi
			:: start = 0;
				if
				:: i = 0
				:: i = 1
				fi;
#ifdef BUG_NO_WAIT_CHECK
				if
				:: used[i] -> st[i] = S_BUSY; s = i
				:: else -> skip
				fi;
#else
				if
				:: st[i] == S_WAIT -> st[i] = S_BUSY; s = i
				:: else -> skip
				fi;
#endif
				if
				:: s != NONE -> assert(owner[s] == 0); owner[s] = me   /* P1 */
				:: else -> skip
				fi
			fi
		}
		if
		:: s == NONE -> goto trap_exit   /* ETHREAD_LIMIT or ERESUME */
		:: s != NONE && start ->
			/* tm_std_call: copy_in, validate(): the registered buffer's table state */
			atomic {
				fail[s] = 0;
				ph[s] = PH_PREPARE;
				if
				:: cmd[s] = C_INVOKE
				:: rst == R_NONE -> rst = R_PENDING; rslot = s; cmd[s] = C_REG
				:: rst == R_ACTIVE -> rst = R_UNREG; rslot = s; cmd[s] = C_UNREG
				fi
			}
		:: s != NONE && !start -> skip   /* tm_resume_call: carry on at ph[s] */
		fi;

		/*
		 * The call's state machine, run by its owner without the lock. Each
		 * step only touches the call's own fields (and the monitors), or
		 * the registered buffer's state under the lock.
		 */
		do
		:: atomic { ph[s] == PH_PREPARE ->
			/* tm_params_prepare / tm_buf_translate: one page per step */
			assert(owner[s] == me);
			if
			:: cmd[s] == C_INVOKE && tpin[s] < TP ->
				if
				:: tpin[s]++
				:: fail[s] = 1; ph[s] = PH_COMPLETE   /* pin refused */
				fi
			:: cmd[s] == C_REG && rpin < RP ->
				if
				:: rpin++
				:: fail[s] = 1; ph[s] = PH_COMPLETE
				fi
			:: else -> ph[s] = PH_ENTER
			fi;
			/* budget spent or should_yield: FOREIGN_INTR (tm_call_yield) */
			if
			:: ph[s] == PH_PREPARE -> pub = 1
			:: true -> skip
			fi
		   }
			if
			:: pub -> publish(s); break
			:: else -> skip
			fi
		:: atomic { (ph[s] == PH_ENTER || ph[s] == PH_RPC) ->
			/* tm_call_enter: the SMC, no lock held */
			assert(owner[s] == me);
			in_optee[s]++;
			assert(in_optee[s] == 1);   /* P2 */
			assert(!vm_destroyed)
		   }
			atomic {
				/* OP-TEE serves the SMC */
				if
				:: ph[s] == PH_RPC -> assert(otid[s])   /* P2: resumes its own thread */
				:: else -> assert(!otid[s]); otid[s] = 1
				fi;
				if
				:: cmd[s] == C_INVOKE -> assert(tpin[s] == TP); oref_t[s] = 1   /* P4 */
				:: cmd[s] == C_REG -> assert(rpin == RP)
				:: else -> skip
				fi;
				if
				:: oref_r -> assert(rpin == RP)   /* P4: OP-TEE may use it any time */
				:: else -> skip
				fi;
				if
				:: ph[s] = PH_RPC; pub = 1   /* an RPC exit: the thread stays */
				:: otid[s] = 0;              /* the call returns */
					oref_t[s] = 0;
					if
					:: cmd[s] == C_REG ->
						if
						:: oref_r = 1
						:: fail[s] = 1
						fi
					:: cmd[s] == C_UNREG ->
						if
						:: oref_r = 0
						:: fail[s] = 1
						fi
					:: else -> skip
					fi;
					ph[s] = PH_COMPLETE
				fi;
				in_optee[s]--
			}
			if
			:: pub ->
				/* tm_rpc_exit -> show -> tm_call_deliver: TM_EXIT_PUBLISH */
				publish(s); break
			:: else -> skip
			fi
		:: atomic { ph[s] == PH_COMPLETE ->
			/* tm_params_complete: settle REGISTER/UNREGISTER under the lock */
			assert(owner[s] == me);
			if
			:: cmd[s] == C_REG && !fail[s] -> rst = R_ACTIVE; rslot = NONE
			:: cmd[s] == C_REG && fail[s] -> rst = R_DRAIN
			:: cmd[s] == C_UNREG && !fail[s] -> rst = R_DRAIN
			:: cmd[s] == C_UNREG && fail[s] -> rst = R_ACTIVE; rslot = NONE
			:: else -> skip
			fi;
			ph[s] = PH_DRAIN
		   }
		:: atomic { ph[s] == PH_DRAIN ->
			/* tm_call_deliver -> tm_drain(&c->drain) */
			assert(owner[s] == me);
			if
			:: tpin[s] > 0 -> unpin_temp(s)
			:: tpin[s] == 0 && rst == R_DRAIN && rslot == s && rpin > 0 -> unpin_reg()
			:: else ->
				/* tm_buf_free (under the lock); the call is done: TM_EXIT_FREE */
				if
				:: rst == R_DRAIN && rslot == s -> rst = R_NONE; rslot = NONE
				:: else -> skip
				fi;
				assert(tpin[s] == 0);          /* P5: the call's pins are gone */
				settle = X_FREE;
				break
			fi;
			/* preemption point of the release */
			if
			:: pub = 1
			:: true -> skip
			fi
		   }
			if
			:: pub -> publish(s); break
			:: else -> skip
			fi
		od;
trap_exit:
		atomic {
			/* trap_exit -> tm_slot_settle, under the lock with active_traps-- */
			if
			:: settle == X_PUBLISH ->
				assert(owner[s] == me);   /* P1: nobody took it meanwhile */
				owner[s] = 0;
				st[s] = S_WAIT
			:: settle == X_FREE ->
				assert(owner[s] == me);
				owner[s] = 0;
				st[s] = S_FREE;
				used[s] = 0;
				/* forget the finished call (keeps the state space small) */
				ph[s] = 0; cmd[s] = 0; fail[s] = 0
			:: else -> skip
			fi;
			/* the trap no longer works on any slot (P6) */
			assert(owner[0] != me && owner[1] != me);
			traps--;
			s = 0; i = 0; pub = 0; start = 0; settle = X_KEEP
		}
	:: k == K -> break
	/*
	 * A guest that stops issuing SMCs (leaving calls suspended) needs no
	 * option of its own: it is the run where this vCPU gets no turn until
	 * the domain is dying, then stops at ENOTAVAIL.
	 */
	od
}

#ifdef FAST_LOCKFREE
/*
 * A vCPU making one forwarded fast call (CALLS_UID, GET_OS_REVISION,
 * ENABLE_SHM_CACHE...) on the lock-free path of teemed_handle_smc
 * (core.c: tm_trap_get, tm_fast_stateless: forward_as_is with
 * d->client_id, then d->fast_count counted, tm_trap_put). It starts only
 * while the domain is not dying (a host may keep a vCPU running until it
 * calls destroy: later SMCs get ENOTAVAIL). FAST_COUNTED is the call
 * counted as a trap, as src/ does; without it, the bug that was found.
 */
proctype fast_vcpu()
{
	atomic {
		if
		:: done || dying -> goto out   /* ENOTAVAIL */
		:: else -> skip
		fi;
#ifdef FAST_COUNTED
		traps++;
#endif
		in_fast++
	}
	atomic {
		/* the SMC: OP-TEE must still know the guest (P8) */
		assert(!vm_destroyed)
	}
	atomic {
		/* d->fast_count: the domain must not be freed yet (P8) */
		assert(!done);
#ifdef FAST_COUNTED
		traps--;
#endif
		in_fast--
	}
out:
	skip
}
#endif

/* Unpin one page the domain still holds: tm_drain(&d->drain) in destroy. */
inline destroy_unpin_one()
{
	if
	:: tpin[0] > 0 -> assert(owner[0] == 0); unpin_temp(0)
	:: tpin[1] > 0 -> assert(owner[1] == 0); unpin_temp(1)
	:: rpin > 0 -> unpin_reg()
	fi
}

inline vm_destroyed_smc()
{
	atomic {
		/* OP-TEE forgets every thread and buffer of the guest */
		otid[0] = 0; otid[1] = 0;
		oref_t[0] = 0; oref_t[1] = 0;
		oref_r = 0;
		vm_destroyed = 1
	}
}

proctype destroyer()
{
	byte budget;
	bit busy;

again:
	/* teemed_domain_destroy: one invocation */
	atomic {
		dying = 1;
#ifdef BUG_WAIT_CALLS
		busy = traps > 0 || used[0] || used[1];
#else
		busy = traps > 0;
#endif
	}
#ifdef BUG_NO_TRAP_WAIT
	busy = 0;
#endif
	if
	:: busy -> goto again   /* TEEMED_AGAIN: the host calls again */
	:: else -> skip
	fi;
#ifndef BUG_EARLY_UNPIN
	if
	:: !vm_destroyed -> vm_destroyed_smc()
	:: else -> skip
	fi;
#endif
	/* collect(): no trap runs, so no vCPU owns a call */
	assert(owner[0] == 0 && owner[1] == 0);
	budget = BUDGET;
	do
	:: PINS > 0 && budget > 0 -> destroy_unpin_one(); budget--
	:: PINS > 0 && budget == 0 -> goto again   /* budget spent: AGAIN */
	:: PINS == 0 -> break
	od;
#ifdef BUG_EARLY_UNPIN
	if
	:: !vm_destroyed -> vm_destroyed_smc()
	:: else -> skip
	fi;
#endif
	atomic {
		assert(PINS == 0);   /* P5: no pin outlives the domain */
		assert(vm_destroyed);
		done = 1
	}
}

init
{
	byte v;

	atomic {
		v = 1;
		do
		:: v <= NV -> run vcpu(v); v++
		:: else -> break
		od;
#ifdef FAST_LOCKFREE
		run fast_vcpu();
#endif
		run destroyer()
	}
	/* P7, end-state form: once every process has finished, destroy is done */
	(_nr_pr == 1);
	assert(done);
	assert(PINS == 0);
	assert(traps == 0)
}

/* P7, liveness form (pan -a -f -N destroy_terminates) */
ltl destroy_terminates { <> done }
