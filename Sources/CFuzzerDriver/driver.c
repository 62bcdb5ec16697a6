/* Only the declaration in include/CFuzzerDriver.h is needed; the definition is libFuzzer's. */
#include "CFuzzerDriver.h"
