// Where in a page a DMA buffer may start. Linux hands out power-of-two
// blocks aligned to their size; page-fragment and slab buffers only to a page.
export const ALIGNMENTS = ['natural', 'page'] as const;
export type Alignment = (typeof ALIGNMENTS)[number];

/** The buddy allocator's largest block: 2^10 pages (include/linux/mmzone.h MAX_PAGE_ORDER, default 10). */
export const MAX_PAGE_ORDER = 10;
/** CMA aligns at most to 2^8 pages (kernel/dma/Kconfig CMA_ALIGNMENT, default 8). */
export const CMA_ALIGNMENT = 8;

/** get_order(size): the smallest order whose block holds `pages` pages (include/asm-generic/getorder.h). */
export function getOrder(pages: number): number {
  let order = 0;
  while (2 ** order < pages) order++;
  return order;
}

/**
 * Pages between possible buffer starts. `natural`: a block of order n is
 * aligned to 2^n pages (torvalds/linux:mm/page_alloc.c __find_buddy_pfn,
 * buddy = pfn ^ (1 << order)); dma_alloc_coherent's address is "aligned to
 * the smallest PAGE_SIZE order which is greater than or equal to the
 * requested size" (Documentation/core-api/dma-api-howto.rst); beyond the
 * buddy's largest block the allocation comes from CMA, aligned to
 * min(get_order(size), CONFIG_CMA_ALIGNMENT) (kernel/dma/contiguous.c
 * cma_alloc_aligned). `page`: page_frag and slab buffers start on any page.
 */
export function alignmentPages(pages: number, alignment: Alignment): number {
  if (alignment === 'page') return 1;
  const order = getOrder(pages);
  return 2 ** (order <= MAX_PAGE_ORDER ? order : CMA_ALIGNMENT);
}
