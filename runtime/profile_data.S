/* The built-in hardening profiles, embedded so `hrun run bundle/` is
 * hardened even when profiles/ is not installed. Paths are relative to the
 * repository root, where make runs; the Makefile lists them as
 * dependencies of this object because .incbin is invisible to make. */
	.section .rodata

	.balign 8
	.globl hr_profile_hardened_json
	.hidden hr_profile_hardened_json
	.type hr_profile_hardened_json, @object
hr_profile_hardened_json:
	.incbin "profiles/hardened.json"
1:
	.size hr_profile_hardened_json, 1b - hr_profile_hardened_json
	.byte 0
	.balign 8
	.globl hr_profile_hardened_json_size
	.hidden hr_profile_hardened_json_size
	.type hr_profile_hardened_json_size, @object
hr_profile_hardened_json_size:
	.quad 1b - hr_profile_hardened_json
	.size hr_profile_hardened_json_size, 8

	.balign 8
	.globl hr_profile_dev_json
	.hidden hr_profile_dev_json
	.type hr_profile_dev_json, @object
hr_profile_dev_json:
	.incbin "profiles/dev.json"
2:
	.size hr_profile_dev_json, 2b - hr_profile_dev_json
	.byte 0
	.balign 8
	.globl hr_profile_dev_json_size
	.hidden hr_profile_dev_json_size
	.type hr_profile_dev_json_size, @object
hr_profile_dev_json_size:
	.quad 2b - hr_profile_dev_json
	.size hr_profile_dev_json_size, 8

	.balign 8
	.globl hr_profile_prod_json
	.hidden hr_profile_prod_json
	.type hr_profile_prod_json, @object
hr_profile_prod_json:
	.incbin "profiles/prod.json"
3:
	.size hr_profile_prod_json, 3b - hr_profile_prod_json
	.byte 0
	.balign 8
	.globl hr_profile_prod_json_size
	.hidden hr_profile_prod_json_size
	.type hr_profile_prod_json_size, @object
hr_profile_prod_json_size:
	.quad 3b - hr_profile_prod_json
	.size hr_profile_prod_json_size, 8

	.section .note.GNU-stack, "", @progbits
