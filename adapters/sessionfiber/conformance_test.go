package sessionfiber_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/sessiongate/sessiongate/adapters/sessionfiber/sessionfibertest"
	"github.com/sessiongate/sessiongate/core/adaptertest"
)

func TestConformance(t *testing.T) {
	adaptertest.Run(t, sessionfibertest.Target)
}

// The adapter copies every byte it hands to core and matches header names
// without regard to case, so fiber's buffer and header settings, and an
// earlier middleware that made fasthttp parse the cookies, change nothing.
func TestConformanceWhateverTheFiberSettings(t *testing.T) {
	t.Run("Immutable", func(t *testing.T) {
		adaptertest.Run(t, sessionfibertest.TargetWith(fiber.Config{Immutable: true}))
	})
	t.Run("DisableHeaderNormalizing", func(t *testing.T) {
		adaptertest.Run(t, sessionfibertest.TargetWith(fiber.Config{DisableHeaderNormalizing: true}))
	})
	t.Run("cookies parsed by an earlier middleware", func(t *testing.T) {
		adaptertest.Run(t, sessionfibertest.TargetWith(fiber.Config{}, func(c *fiber.Ctx) error {
			c.Cookies(adaptertest.CookieName)
			return c.Next()
		}))
	})
}
