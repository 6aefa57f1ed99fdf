/* The default seccomp profile, embedded so a missing or unreadable file
 * never means "no filter". The path is relative to the repository root,
 * where make runs. */
	.section .rodata
	.balign 8
	.globl hr_seccomp_default_profile
	.hidden hr_seccomp_default_profile
	.type hr_seccomp_default_profile, @object
hr_seccomp_default_profile:
	.incbin "profiles/seccomp-default.json"
1:
	.size hr_seccomp_default_profile, 1b - hr_seccomp_default_profile
	.byte 0

	.balign 8
	.globl hr_seccomp_default_profile_size
	.hidden hr_seccomp_default_profile_size
	.type hr_seccomp_default_profile_size, @object
hr_seccomp_default_profile_size:
	.quad 1b - hr_seccomp_default_profile
	.size hr_seccomp_default_profile_size, 8

	.section .note.GNU-stack, "", @progbits
