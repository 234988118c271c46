# RISC-V start-up (QEMU virt, -bios none: the CPU starts here in M-mode):
# stack, .bss cleared, main().  Everything is loaded into RAM by QEMU.
    .section .text.start
    .global _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, _estack
    la t0, _sbss
    la t1, _ebss
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call main
    li a0, 0
    call board_exit
3:  j 3b
