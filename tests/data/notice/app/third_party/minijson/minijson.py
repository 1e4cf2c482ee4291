# Copyright (c) 2019-2022 Mini JSON Project
# SPDX-License-Identifier: MIT


def dumps(value: object) -> str:
    return repr(value)
