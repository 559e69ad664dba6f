# title: every policy mode pointed at node 1, which has no free pages (node 0 has 32): which modes fall back to node 0
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 04-fallback-per-mode "every policy mode over node 1, which has no free pages; node 0 has 32"

# CPU 1 is node 1's: the local/default holders run there, so their local node is the empty one.
pool 2M 32 0
# VMA policies: mmap under the default task policy, then mbind.
hold vma-preferred --kind anon-private --pages 2 --vma-policy preferred:1
hold vma-preferred-many --kind anon-private --pages 2 --vma-policy preferred_many:1
hold vma-interleave --kind anon-private --pages 2 --vma-policy interleave:1
hold vma-interleave-0-1 --kind anon-private --pages 2 --vma-policy interleave:0-1
hold vma-weighted --kind anon-private --pages 2 --vma-policy weighted_interleave:1
hold vma-local --kind anon-private --pages 2 --vma-policy local --cpu 1
hold vma-bind --kind anon-private --pages 2 --vma-policy bind:1
hold vma-bind-0-1 --kind anon-private --pages 2 --vma-policy bind:0-1
hold default-cpu1 --kind anon-private --pages 2 --cpu 1
# Task policies: set_mempolicy before mmap (the reservation check sees them).
hold task-preferred --kind anon-private --pages 2 --task-policy preferred:1
hold task-preferred-many --kind anon-private --pages 2 --task-policy preferred_many:1
hold task-interleave --kind anon-shared --pages 2 --task-policy interleave:1
hold task-local --kind anon-private --pages 2 --task-policy local --cpu 1
hold task-bind --kind anon-private --pages 2 --task-policy bind:1

expect "task bind:1 mmap fails with ENOMEM (node 1 has no free page)" "$(field task-bind mmap)" = ENOMEM
for h in vma-preferred vma-preferred-many vma-interleave vma-interleave-0-1 vma-local vma-bind vma-bind-0-1 default-cpu1 \
         task-preferred task-preferred-many task-interleave task-local; do
    expect "$h: mmap succeeds" "$(field $h mmap)" = ok
done

observe
for h in $HOLDERS; do touch_pages "$h"; done
settle

expect "VMA bind:1 gets SIGBUS on both pages" "$(field vma-bind failed)" = 2
for h in vma-preferred vma-preferred-many vma-interleave vma-interleave-0-1 vma-local vma-bind-0-1 default-cpu1 \
         task-preferred task-preferred-many task-interleave task-local; do
    expect "$h falls back to node 0 (2 pages there, none fails)" "$(field $h failed):$(field $h nodes)" = 0:0:2
done
if [ "$(field vma-weighted mbind)" = ok ]; then
    expect "weighted_interleave:1 falls back to node 0" "$(field vma-weighted failed):$(field vma-weighted nodes)" = 0:0:2
else
    expect "weighted_interleave is refused by this kernel (EINVAL before 6.9) and the VMA keeps the default policy" \
        "$(field vma-weighted mbind):$(field vma-weighted failed)" = EINVAL:0
fi
for h in $HOLDERS; do
    note "$h ($(field $h policy)): mmap $(field $h mmap), mbind $(field $h mbind), set_mempolicy $(field $h task_policy_set); touched $(field $h ok) failed $(field $h failed), placed $(field $h nodes)"
done
vm_end
